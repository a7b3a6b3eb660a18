using ComplianceLedger.Chaos;
using Xunit.Abstractions;

namespace ComplianceLedger.Tests.Faults;

/// <summary>
/// A short ops/chaos run (docs/chaos.md): 8 writers over HTTP into the app as a real process on a
/// durable cluster of its own, the app killed with SIGKILL three times and PostgreSQL restarted in
/// immediate mode once, then every acknowledged command must be in the ledger once, every chain
/// must verify and every read model must equal a rebuild.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Under_app_kills_and_a_PostgreSQL_crash_every_acknowledged_write_is_in_the_ledger_once_and_chains_and_read_models_hold()
    {
        var options = new ChaosOptions
        {
            Kills = 3,
            PgRestarts = 1,
            Writers = 8,
            Schools = 2,
            PeoplePerSchool = 16,
            Policies = 4,
            MinUptime = TimeSpan.FromMilliseconds(1500),
            MaxUptime = TimeSpan.FromMilliseconds(3500),
            // The API build beside the tests, as AppProcessTests runs it.
            ApiDll = typeof(global::Program).Assembly.Location,
        };
        using var within = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        var report = await ChaosRun.RunAsync(options, output.WriteLine, within.Token);

        var summary = report.Summary();
        output.WriteLine(summary);
        Assert.True(report.Holds, summary);
        Assert.Equal((3, 1), (report.Kills, report.PgRestarts));
        // The faults really cut requests off: writers went unanswered and retried with their keys.
        Assert.True(report.Counters.Retries > 0, summary);
        Assert.True(report.Acknowledged > 100, summary);
        Assert.Equal(report.Commands, report.Acknowledged);
        Assert.Equal((0, 0, true), (report.Missing, report.Duplicates, report.ReadModelsEqual));
        Assert.Equal(report.Chains, report.ChainsVerified);
    }

    [Fact]
    public void The_checks_count_an_acknowledged_write_that_is_not_in_the_ledger_and_a_keyed_write_nobody_was_told_of()
    {
        var ledger = new Dictionary<string, List<LedgerEvent>>
        {
            ["300001"] =
            [
                Event(1, "person-a", 1, "key:1"),
                // A retried key that wrote again under another command id would leave this.
                Event(2, "person-a", 2, "key:2"),
            ],
        };
        var answers = new[]
        {
            Acknowledged("key-1", 1, "person-a", 1),
            Acknowledged("key-3", 3, "person-b", 1),
        };
        var findings = new Findings();

        LedgerCheck.Check(answers, ledger, findings);

        Assert.Single(findings.Missing);
        Assert.Contains("position(s) 3 are not in the ledger", findings.Missing[0], StringComparison.Ordinal);
        Assert.Single(findings.Duplicates);
        Assert.Contains("which no acknowledged answer names", findings.Duplicates[0], StringComparison.Ordinal);
        Assert.Empty(findings.Refused);
    }

    static LedgerEvent Event(long position, string stream, long version, string commandId) =>
        new("300001", position, stream, version, "policy.acknowledged.v1",
            System.Text.Json.JsonDocument.Parse($$"""{"personId":"{{stream}}","policyId":"p","versionLabel":"{{position}}"}""").RootElement,
            "person:0190a0b0-0000-7000-8000-000000000001", commandId);

    static Answer Acknowledged(string key, long position, string stream, long version) =>
        new(new SentCommand("300001", Guid.Empty, "acknowledge a policy", "/api/schools/300001/policies/p/acknowledgements", "{}", key),
            201, new CommandResult(stream, version, [position], false), false, 1, null);
}
