using System.Diagnostics;
using Alba;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections.Daemon;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Projections;

/// <summary>The fixture's own app stays out of the election, so the test owns both contenders.</summary>
public sealed class TwoNodeApp : LedgerApp
{
    protected override void ConfigureWebHost(IWebHostBuilder web)
    {
        base.ConfigureWebHost(web);
        web.UseSetting("Ledger:Projections:RunDaemon", "false");
    }

    public IAlbaHost StartNode() =>
        StartAnotherInstance(web => web.UseSetting("Ledger:Projections:RunDaemon", "true"));
}

public sealed class LeaderElectionTests(TwoNodeApp app) : IClassFixture<TwoNodeApp>
{
    [Fact]
    public async Task One_node_leads_and_when_it_dies_the_other_takes_over_within_five_seconds_applying_nothing_twice()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var people = school.People.Values.ToList();
        var nodes = new List<IAlbaHost> { app.StartNode(), app.StartNode() };
        try
        {
            var daemons = nodes.Select(n => n.Services.GetRequiredService<ProjectionDaemon>()).ToList();
            await Until(() => daemons.Count(d => d.IsLeader) == 1, TimeSpan.FromSeconds(5));

            // A writer keeps appending through the failover.
            using var stop = new CancellationTokenSource();
            var count = 0;
            int appended() => Volatile.Read(ref count);
            var writer = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await app.Store().AppendAsync(Acknowledgement(school.Urn, people[count % people.Count]));
                    Interlocked.Increment(ref count);
                }
            });
            await Until(() => appended() >= 50, TimeSpan.FromSeconds(30));
            await app.ProjectionsCaughtUpAsync();
            var leader = daemons.Single(d => d.IsLeader);
            var follower = daemons.Single(d => !d.IsLeader);
            Assert.True(leader.Applied > 0);
            Assert.Equal(0, follower.Applied);

            // The leader dies: its database session is cut and its process goes.
            var dying = nodes[daemons.IndexOf(leader)];
            await using (var kill = app.AdminDataSource.CreateCommand(
                """
                SELECT pg_terminate_backend(pid) FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND classid = ($1 >> 32)::oid AND objid = ($1 & 4294967295)::oid AND objsubid = 1
                """))
            {
                kill.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = ProjectionDaemon.LeaderLockKey });
                Assert.True((bool)(await kill.ExecuteScalarAsync())!);
            }
            var died = Stopwatch.StartNew();
            await dying.DisposeAsync();
            nodes.Remove(dying);
            await Until(() => follower.IsLeader, TimeSpan.FromSeconds(5));
            var takeover = died.Elapsed;
            var before = appended();
            await Until(() => appended() >= before + 50, TimeSpan.FromSeconds(30));
            stop.Cancel();
            await writer;
            await app.ProjectionsCaughtUpAsync();

            Assert.True(takeover < TimeSpan.FromSeconds(5), $"took over after {takeover}");
            Assert.True(follower.Applied > 0);
            var events = await app.CountEventsAsync();
            Assert.Equal(events, await ScalarAsync("SELECT count(*) FROM rm.audit_trail"));
            Assert.Equal(events, await ScalarAsync("SELECT count(DISTINCT (tenant, position)) FROM rm.audit_trail"));
            Assert.Equal(events, await ScalarAsync("SELECT sum(processed)::bigint FROM ledger.projection_progress WHERE projection = 'audit-trail'"));
            Assert.Equal(events, await ScalarAsync("SELECT sum(processed)::bigint FROM ledger.projection_progress WHERE projection = 'compliance'"));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    async Task<long> ScalarAsync(string sql)
    {
        await using var command = app.AdminDataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    static AppendRequest Acknowledgement(string urn, Guid personId) => new(urn, $"acknowledgements-{personId:D}", "acknowledgements",
        ExpectedVersion.Any,
        [EventTypes.ToNewEvent(new PolicyAcknowledged("social-media", "1", PeopleAndPolicyContractTests.Sha, personId,
            AcknowledgementMethod.InApp, DateTimeOffset.UtcNow, null))],
        new EventMetadata($"person:{personId:D}"));

    static async Task Until(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < timeout, $"not within {timeout}");
            await Task.Delay(20);
        }
    }
}
