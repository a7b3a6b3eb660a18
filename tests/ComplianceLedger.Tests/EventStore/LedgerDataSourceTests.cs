using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Verification;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.EventStore;

public sealed class LedgerDataSourceTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    [Fact]
    public async Task Appends_retries_and_conflicts_behave_the_same_on_the_ledger_data_source()
    {
        await using var dataSource = LedgerDataSource.Create(db.AppConnectionString);
        var store = new LedgerStore(dataSource, TimeProvider.System);
        const string tenant = "300001";
        static AppendRequest Append(string stream, ExpectedVersion expected, string? command = null) => new(
            tenant, stream, "person", expected, [new NewEvent("policy.acknowledged.v1", """{"policyId":"social-media"}""")],
            new EventMetadata("person:test", CommandId: command));

        // Concurrent writers reuse pooled connections, each keeping its prepared append, with no reset between uses.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var n = 0; n < 10; n++)
            {
                await store.AppendAsync(Append($"writer-{w}", ExpectedVersion.Exactly(n)));
            }
        })));
        var first = await store.AppendAsync(Append("retry", ExpectedVersion.NoStream, "cmd-1"));
        var retry = await store.AppendAsync(Append("retry", ExpectedVersion.NoStream, "cmd-1"));
        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => store.AppendAsync(Append("writer-0", ExpectedVersion.Exactly(3))));

        Assert.True(retry.Replayed);
        Assert.Equal(first.Events, retry.Events);
        var verified = await new LedgerVerifier(dataSource).VerifyTenantAsync(tenant, new Dictionary<string, byte[]>());
        Assert.Empty(verified.Problems);
        Assert.Equal(81, verified.EventsChecked);
    }

    [Fact]
    public void The_ledger_settings_are_added_to_a_plain_connection_string()
    {
        var tuned = new NpgsqlConnectionStringBuilder(LedgerDataSource.Tune("Host=db;Database=ledger;Username=ledger_app"));

        Assert.True(tuned.NoResetOnClose);
        Assert.Equal(LedgerDataSource.MaxAutoPrepare, tuned.MaxAutoPrepare);
        Assert.Equal(("db", "ledger", "ledger_app"), (tuned.Host, tuned.Database, tuned.Username));
    }

    [Theory]
    [InlineData("Host=db;No Reset On Close=false;Max Auto Prepare=0")]
    [InlineData("Host=db;NoResetOnClose=false;MaxAutoPrepare=0")]
    public void Settings_the_connection_string_makes_itself_win(string connectionString)
    {
        var tuned = new NpgsqlConnectionStringBuilder(LedgerDataSource.Tune(connectionString));

        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(0, tuned.MaxAutoPrepare);
    }
}
