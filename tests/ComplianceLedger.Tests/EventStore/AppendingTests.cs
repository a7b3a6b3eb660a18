using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Verification;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.EventStore;

public sealed class AppendingTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    static AppendRequest Acknowledgement(string tenant, string stream, ExpectedVersion expected, string? commandId = null) => new(
        tenant, stream, "person", expected,
        [new NewEvent("policy.acknowledged.v1", """{"policyId":"social-media","version":"3"}""")],
        new EventMetadata("person:test", CommandId: commandId));

    [Fact]
    public async Task Appending_to_a_new_stream_starts_it_at_version_one_and_extends_the_tenant_chain()
    {
        var store = db.Store();
        var first = await store.AppendAsync(Acknowledgement("100001", "person-a", ExpectedVersion.NoStream));
        var second = await store.AppendAsync(Acknowledgement("100001", "person-b", ExpectedVersion.NoStream));

        Assert.Equal(1, first.StreamVersion);
        Assert.Equal(1, second.StreamVersion);
        Assert.Equal(first.Events[0].ChainPosition + 1, second.Events[0].ChainPosition);
        Assert.False(first.Replayed);
    }

    [Fact]
    public async Task Two_concurrent_appends_with_the_same_expected_version_let_exactly_one_win()
    {
        var store = db.Store();
        await store.AppendAsync(Acknowledgement("100002", "contested", ExpectedVersion.NoStream));

        var attempts = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            try
            {
                await store.AppendAsync(Acknowledgement("100002", "contested", ExpectedVersion.Exactly(1)));
                return (Exception?)null;
            }
            catch (Exception e)
            {
                return e;
            }
        }));
        var outcomes = await Task.WhenAll(attempts);

        Assert.Single(outcomes, o => o is null);
        var conflict = Assert.IsType<WrongExpectedVersionException>(Assert.Single(outcomes, o => o is not null));
        Assert.Equal(2, conflict.ActualVersion);
        Assert.Equal(2, await store.GetStreamVersionAsync("100002", "contested"));
    }

    [Fact]
    public async Task Fifty_concurrent_writers_on_fifty_streams_all_land_and_the_chain_verifies()
    {
        var store = db.Store();
        const string tenant = "100003";
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            for (var n = 0; n < 4; n++)
            {
                await store.AppendAsync(Acknowledgement(tenant, $"writer-{i}", ExpectedVersion.Exactly(n)));
            }
        })));

        Assert.Equal(200, await db.CountEventsAsync(tenant));
        var result = await new LedgerVerifier(db.AppDataSource).VerifyTenantAsync(tenant, new Dictionary<string, byte[]>());
        Assert.Equal(200, result.EventsChecked);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public async Task Concurrent_appends_to_one_new_stream_without_an_expected_version_all_land_once_in_order()
    {
        // The reads come before the school's lock: all but one find the stream missing or older
        // than it is under the lock, are refused by the guard and decide again.
        var store = db.Store();
        const string tenant = "100010";
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(
            () => store.AppendAsync(Acknowledgement(tenant, "raced", ExpectedVersion.Any)))));

        Assert.Equal(Enumerable.Range(1, 16).Select(v => (long)v), results.Select(r => r.StreamVersion).Order());
        Assert.Equal(Enumerable.Range(1, 16).Select(v => (long)v), results.Select(r => r.Events[0].ChainPosition).Order());
        Assert.Equal(16, await store.GetStreamVersionAsync(tenant, "raced"));
        var stored = await store.ReadStreamAsync(tenant, "raced").ToListAsync();
        Assert.Equal(results.OrderBy(r => r.StreamVersion).Select(r => r.Events[0].EventId), stored.Select(e => e.EventId));
        Assert.Equal(stored.Select(e => e.StreamVersion), stored.Select(e => e.ChainPosition));
        Assert.Empty((await new LedgerVerifier(db.AppDataSource).VerifyTenantAsync(tenant, new Dictionary<string, byte[]>())).Problems);
    }

    [Fact]
    public async Task Concurrent_retries_of_one_command_id_write_once_and_all_get_its_result()
    {
        var store = db.Store();
        const string tenant = "100011";
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(
            () => store.AppendAsync(Acknowledgement(tenant, "retried", ExpectedVersion.Any, "cmd-raced")))));

        Assert.Single(results, r => !r.Replayed);
        Assert.All(results, r => Assert.Equal(results[0].Events, r.Events));
        Assert.Equal(1, await db.CountEventsAsync(tenant));
    }

    [Fact]
    public async Task A_retried_command_id_appends_nothing_and_returns_the_first_result()
    {
        var store = db.Store();
        var first = await store.AppendAsync(Acknowledgement("100004", "retry", ExpectedVersion.NoStream, "cmd-1"));
        // The retry carries the same stale expectation a real client retry would.
        var retry = await store.AppendAsync(Acknowledgement("100004", "retry", ExpectedVersion.NoStream, "cmd-1"));

        Assert.True(retry.Replayed);
        Assert.Equal(first.Events, retry.Events);
        Assert.Equal(1, await db.CountEventsAsync("100004"));
    }

    [Fact]
    public async Task A_command_id_reused_on_another_stream_is_refused()
    {
        var store = db.Store();
        await store.AppendAsync(Acknowledgement("100005", "one", ExpectedVersion.Any, "cmd-x"));
        await Assert.ThrowsAsync<CommandIdReusedException>(
            () => store.AppendAsync(Acknowledgement("100005", "two", ExpectedVersion.Any, "cmd-x")));
        Assert.Equal(1, await db.CountEventsAsync("100005"));
    }

    [Fact]
    public async Task Expecting_a_stream_that_does_not_exist_is_a_conflict()
    {
        var store = db.Store();
        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => store.AppendAsync(Acknowledgement("100006", "ghost", ExpectedVersion.Exactly(3))));
        Assert.Equal(0, conflict.ActualVersion);
        Assert.Equal(0, await db.CountEventsAsync("100006"));
    }

    [Fact]
    public async Task One_tenant_never_reads_another_tenants_events()
    {
        var store = db.Store();
        await store.AppendAsync(Acknowledgement("100007", "shared-name", ExpectedVersion.Any));
        await store.AppendAsync(Acknowledgement("100008", "shared-name", ExpectedVersion.Any));
        await store.AppendAsync(Acknowledgement("100008", "shared-name", ExpectedVersion.Any));

        var stream = await store.ReadStreamAsync("100007", "shared-name").ToListAsync();
        var tenant = await store.ReadTenantAsync("100007").ToListAsync();

        Assert.Single(stream);
        Assert.All(stream.Concat(tenant), e => Assert.Equal("100007", e.Tenant));
        Assert.Equal([1L], tenant.Select(e => e.ChainPosition));
        Assert.Equal(2, await store.ReadStreamAsync("100008", "shared-name").CountAsync());
    }

    [Fact]
    public async Task Metadata_is_recorded_on_every_event()
    {
        var time = new FixedTime(new DateTimeOffset(2026, 9, 1, 8, 30, 0, TimeSpan.Zero));
        var store = db.Store(time);
        await store.AppendAsync(new AppendRequest("100009", "meta", "person", ExpectedVersion.Any,
            [new NewEvent("policy.acknowledged.v1", """{"b":1,"a":"x"}""")],
            new EventMetadata("person:head", "corr-1", "cause-1", "cmd-9")));

        var stored = Assert.Single(await store.ReadStreamAsync("100009", "meta").ToListAsync());
        Assert.Equal(("person:head", "corr-1", "cause-1", "cmd-9"), (stored.Actor, stored.CorrelationId, stored.CausationId, stored.CommandId));
        Assert.Equal(time.GetUtcNow(), stored.RecordedAt);
        Assert.Equal("policy.acknowledged.v1", stored.EventType);
    }
}
