using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Trusts;
using ComplianceLedger.EventStore.Verification;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Demo;

public sealed class SyntheticSeedTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    [Fact]
    public async Task Seed_synthetic_imports_a_trust_whose_chains_verify_and_whose_dashboards_match_the_events()
    {
        (await LedgerRun.RunAsync(new Dictionary<string, string?>(), "seed-synthetic", "--connection", db.AppConnectionString,
            "--schools", "3", "--events", "6000", "--trust", "bench")).ShouldExitWith(0);

        var total = await db.CountEventsAsync();
        Assert.InRange(total, 4000, 6600);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var verifier = new LedgerVerifier(db.AppDataSource);
        var trust = await TrustCompliance.SummariseAsync(db.AppDataSource, "bench", today, CancellationToken.None);
        Assert.Equal(3, trust.Schools);
        foreach (var (tenant, _) in await verifier.TenantsAsync())
        {
            // Every writer of history leaves a signed tree head at its end.
            var verified = await verifier.VerifyTenantAsync(tenant, await verifier.RecordedKeysAsync());
            Assert.Empty(verified.Problems);
            Assert.Equal(1, verified.CheckpointsChecked);
            Assert.NotNull(await ComplianceLedger.EventStore.Checkpoints.CheckpointIssuer.ReadAsync(db.AppDataSource, tenant, verified.EventsChecked));
            var expected = (await RawLedger.ReadAsync(db, tenant)).AcknowledgementStatuses(today, activeOnly: true);
            var line = Assert.Single(trust.SchoolLines, l => l.Urn == tenant);
            Assert.Equal(expected.Count, line.Required);
            Assert.Equal(expected.Count(e => e.Status == "ok"), line.Acknowledged);
        }
    }

    [Fact]
    public async Task Seed_synthetic_refuses_nonsense_sizes()
    {
        (await LedgerRun.RunAsync(new Dictionary<string, string?>(), "seed-synthetic", "--connection", db.AppConnectionString,
            "--schools", "0")).ShouldExitWith(2);
        (await LedgerRun.RunAsync(new Dictionary<string, string?>(), "seed-synthetic", "--connection", db.AppConnectionString,
            "--schools", "ten")).ShouldExitWith(2);
    }
}
