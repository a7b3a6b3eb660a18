using ComplianceLedger.Tests.Cli;

namespace ComplianceLedger.Tests.Fixtures;

/// <summary>A database holding the demo trust, seeded once through <c>ledger seed-demo</c>.</summary>
public sealed class DemoLedger : LedgerDatabase
{
    public LedgerRun Seeding { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Seeding = await LedgerRun.RunAsync(new Dictionary<string, string?>(), "seed-demo", "--connection", AppConnectionString);
    }
}
