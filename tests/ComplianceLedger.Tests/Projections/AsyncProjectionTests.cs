using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Projections;

public sealed class AsyncProjectionTests(DaemonApp app) : IClassFixture<DaemonApp>
{
    [Fact]
    public async Task Concurrent_appends_with_rollbacks_and_late_commits_are_each_projected_exactly_once()
    {
        var schools = new List<Arranged>();
        for (var i = 0; i < 8; i++)
        {
            schools.Add(await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy));
        }
        var before = await app.CountEventsAsync();
        int committed = 0, rolledBack = 0, heldThenCommitted = 0, heldThenRolledBack = 0;

        // 16 writers; a third of their transactions roll back, and one in eight is held open for
        // 1–2.5 s first, so later appends (other schools) commit while it is still in flight.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(writer => Task.Run(async () =>
        {
            var random = new Random(writer);
            for (var i = 0; i < 12; i++)
            {
                var school = schools[random.Next(schools.Count)].School;
                var person = school.People.Values.ElementAt(random.Next(school.People.Count));
                var plan = new AppendPlan(random.Next(8) == 0 ? TimeSpan.FromMilliseconds(random.Next(1000, 2500)) : TimeSpan.Zero,
                    RollBack: random.Next(3) == 0);
                SlowOrFailingAppends.Plan.Value = plan;
                try
                {
                    await app.AcknowledgeAsync(school.Urn, person);
                    Interlocked.Increment(ref committed);
                    if (plan.HoldOpen > TimeSpan.Zero)
                    {
                        Interlocked.Increment(ref heldThenCommitted);
                    }
                }
                catch (RolledBackOnPurposeException)
                {
                    Interlocked.Increment(ref rolledBack);
                    if (plan.HoldOpen > TimeSpan.Zero)
                    {
                        Interlocked.Increment(ref heldThenRolledBack);
                    }
                }
                finally
                {
                    SlowOrFailingAppends.Plan.Value = null;
                }
            }
        })));
        await app.ProjectionsCaughtUpAsync();

        var events = await app.CountEventsAsync();
        Assert.Equal(192, committed + rolledBack);
        Assert.InRange(rolledBack, 40, 100);
        Assert.True(heldThenCommitted > 0 && heldThenRolledBack > 0, $"held: {heldThenCommitted} committed, {heldThenRolledBack} rolled back");
        Assert.Equal(before + committed, events);
        foreach (var (projection, (processed, atHead)) in (await app.ProgressAsync()).Where(p => p.Key != app.Poison.Name))
        {
            Assert.True(atHead, $"{projection} is not at every chain head");
            Assert.Equal(events, processed);
        }
        Assert.Equal(events, (await app.RowsAsync("rm.audit_trail", "tenant, position")).Count);

        // Each async read model equals a fresh rebuild from the ledger.
        var compliance = await app.RowsAsync("rm.compliance", "tenant, rule, subject_id");
        var trail = await app.RowsAsync("rm.audit_trail", "tenant, position");
        await ProjectionRebuild.RunAsync(app.AppDataSource, [.. app.Services.GetServices<IProjection>()]);
        Assert.Equal(compliance, await app.RowsAsync("rm.compliance", "tenant, rule, subject_id"));
        Assert.Equal(trail, await app.RowsAsync("rm.audit_trail", "tenant, position"));
    }

    [Fact]
    public async Task A_poison_event_pauses_one_projection_for_one_school_and_resumes_after_the_fix()
    {
        var poisoned = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var healthy = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        await app.LedgerStore.AppendAsync(new AppendRequest(poisoned.Urn, "test-poison", "test", ExpectedVersion.Any,
            [new NewEvent("test.poison.v1", "{}")], new EventMetadata("system:test")));
        app.Poison.Fixed = false;
        var teacher = poisoned.People[Role.Teacher];
        await app.AcknowledgeAsync(poisoned.Urn, teacher);
        await app.AcknowledgeAsync(healthy.Urn, healthy.People[Role.Teacher]);
        await app.ProjectionsCaughtUpAsync();

        var status = await app.Client().GetFromJsonAsync<JsonElement>("/api/projections");
        var poison = status.GetProperty("projections").EnumerateArray().Single(p => p.GetProperty("name").GetString() == app.Poison.Name);
        var paused = poison.GetProperty("paused").EnumerateArray().Select(p => p.GetProperty("tenant").GetString()).ToList();
        Assert.Equal([poisoned.Urn], paused);
        Assert.Contains("FormatException", poison.GetProperty("paused").EnumerateArray().First().GetProperty("error").GetString(), StringComparison.Ordinal);

        // The other projections carried on for the paused school: its acknowledgement is on the trail and the dashboard.
        var trail = await app.RowsAsync($"rm.audit_trail WHERE tenant = '{poisoned.Urn}' AND event_type = 'policy.acknowledged.v1'", "position");
        Assert.Single(trail);
        var verdicts = await app.RowsAsync($"rm.compliance WHERE tenant = '{poisoned.Urn}' AND person_id = '{teacher}' AND status = 'ok'", "rule");
        Assert.Single(verdicts);

        var health = await app.Client().GetFromJsonAsync<JsonElement>("/health/ready");
        Assert.Equal("Degraded", health.GetProperty("status").GetString());
        var check = health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "projections");
        Assert.Contains($"{app.Poison.Name} for {poisoned.Urn}", check.GetProperty("description").GetString(), StringComparison.Ordinal);

        // A fixed release is deployed; the engineer resumes each paused school.
        app.Poison.Fixed = true;
        (await LedgerRun.RunAsync("resume", app.Poison.Name, "--tenant", poisoned.Urn, "--connection", app.AppConnectionString))
            .ShouldExitWith(0).ShouldContain(poisoned.Urn);
        (await LedgerRun.RunAsync("resume", app.Poison.Name, "--tenant", healthy.Urn, "--connection", app.AppConnectionString))
            .ShouldExitWith(2);
        await app.ProjectionsCaughtUpAsync();
        var progress = await app.ProgressAsync();
        Assert.True(progress[app.Poison.Name].AtHead);
        Assert.Equal(await app.CountEventsAsync(), progress[app.Poison.Name].Processed);
        Assert.Equal("Healthy", (await app.Client().GetFromJsonAsync<JsonElement>("/health/ready")).GetProperty("status").GetString());
    }
}
