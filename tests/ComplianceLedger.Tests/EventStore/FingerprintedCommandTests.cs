using System.Security.Cryptography;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.EventStore;

/// <summary>ledger.append_events with a request fingerprint: replay only the same request, wherever it wrote.</summary>
public sealed class FingerprintedCommandTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    static byte[] Print(string request) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(request));

    static AppendRequest Append(string tenant, string stream, string? commandId, byte[]? fingerprint) => new(
        tenant, stream, "person", ExpectedVersion.Any,
        [new NewEvent("policy.acknowledged.v1", """{"policyId":"social-media","version":"3"}""")],
        new EventMetadata("person:test", CommandId: commandId))
    { RequestFingerprint = fingerprint };

    [Fact]
    public async Task The_same_fingerprint_replays_the_first_append_even_from_another_stream()
    {
        var store = db.Store();
        var first = await store.AppendAsync(Append("100101", "account-a", "key:1", Print("register")));
        // A retried create draws a new stream id; the first attempt's stream is the answer.
        var retry = await store.AppendAsync(Append("100101", "account-b", "key:1", Print("register")));

        Assert.True(retry.Replayed);
        Assert.Equal("account-a", retry.StreamId);
        Assert.Equal(first.Events.Select(e => e.ChainPosition), retry.Events.Select(e => e.ChainPosition));
        Assert.Equal(1, await db.CountEventsAsync("100101"));
    }

    [Fact]
    public async Task Another_fingerprint_under_the_same_command_id_is_refused_and_writes_nothing()
    {
        var store = db.Store();
        await store.AppendAsync(Append("100102", "person-a", "key:2", Print("ack v3")));

        await Assert.ThrowsAsync<CommandIdReusedException>(() => store.AppendAsync(Append("100102", "person-a", "key:2", Print("ack v4"))));
        await Assert.ThrowsAsync<CommandIdReusedException>(() => store.FindCommandAsync("100102", "key:2", Print("ack v4")));
        Assert.Equal(1, await db.CountEventsAsync("100102"));
    }

    [Fact]
    public async Task A_command_id_used_without_a_fingerprint_cannot_be_replayed_as_a_fingerprinted_request()
    {
        var store = db.Store();
        await store.AppendAsync(Append("100103", "person-a", "key:3", null));

        await Assert.ThrowsAsync<CommandIdReusedException>(() => store.AppendAsync(Append("100103", "person-a", "key:3", Print("ack"))));
        Assert.True((await store.AppendAsync(Append("100103", "person-a", "key:3", null))).Replayed);
        Assert.Equal(1, await db.CountEventsAsync("100103"));
    }

    [Fact]
    public async Task Concurrent_identical_fingerprinted_appends_write_once()
    {
        var store = db.Store();
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            Task.Run(() => store.AppendAsync(Append("100104", $"account-{i}", "key:4", Print("register"))))));

        Assert.Single(results, r => !r.Replayed);
        Assert.Single(results.Select(r => r.StreamId).Distinct());
        Assert.Equal(1, await db.CountEventsAsync("100104"));
    }

    [Fact]
    public async Task The_command_record_is_append_only()
    {
        var store = db.Store();
        await store.AppendAsync(Append("100105", "person-a", "key:5", Print("ack")));
        await using var command = db.AdminDataSource.CreateCommand("DELETE FROM ledger.commands WHERE tenant = '100105'");

        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal("LDG10", refused.SqlState);
    }
}
