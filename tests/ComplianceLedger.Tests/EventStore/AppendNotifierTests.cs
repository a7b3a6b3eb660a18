using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections.Daemon;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.EventStore;

/// <summary>
/// The projection daemon is woken after appends commit, by the app, not by a NOTIFY in each
/// append's transaction (which serialises every commit of the database).
/// </summary>
public sealed class AppendNotifierTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    [Fact]
    public async Task Committed_appends_wake_a_listener_with_their_schools()
    {
        await using var listener = new NpgsqlConnection(db.AppConnectionString);
        await listener.OpenAsync();
        var heard = new List<string>();
        listener.Notification += (_, e) =>
        {
            lock (heard)
            {
                heard.Add(e.Payload);
            }
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {ProjectionDaemon.Channel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var store = db.Store();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => store.AppendAsync(new AppendRequest(
            i % 2 == 0 ? "630001" : "630002", $"person-{i}", "person", ExpectedVersion.NoStream,
            [new NewEvent("policy.acknowledged.v1", """{"policyId":"social-media"}""")], new EventMetadata("person:office")))));

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && !HeardBoth())
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
        Assert.True(HeardBoth(), $"heard: {string.Join(", ", heard)}");

        bool HeardBoth()
        {
            lock (heard)
            {
                return heard.Contains("630001") && heard.Contains("630002");
            }
        }
    }

    [Fact]
    public async Task No_trigger_on_the_ledger_notifies_inside_an_append()
    {
        await using var command = db.AdminDataSource.CreateCommand("""
            SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname IN ('ledger', 'marten') AND p.prorettype = 'trigger'::regtype AND p.prosrc ILIKE '%notify%'
            """);
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }
}
