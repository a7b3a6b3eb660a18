using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.Verification;

/// <summary>
/// History cannot be rewritten through SQL: the application role lacks the privilege, and
/// even a superuser is stopped by the append-only triggers unless it first disables them.
/// </summary>
public sealed class AppendOnlyTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>, IAsyncLifetime
{
    const string Tenant = "150001";

    public async Task InitializeAsync()
    {
        if (await CountAsync("ledger.events") == 0)
        {
            using var key = SampleLedger.NewKey();
            await SampleLedger.SeedAsync(db, Tenant, key);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string> Rewrites => new()
    {
        "UPDATE marten.mt_events SET user_name = 'person:intruder'",
        "DELETE FROM marten.mt_events WHERE seq_id IN (SELECT seq_id FROM ledger.chain WHERE chain_position = 7)",
        "TRUNCATE marten.mt_events",
        "UPDATE ledger.chain SET hash = sha256(hash)",
        "DELETE FROM ledger.chain WHERE chain_position = 7",
        "TRUNCATE ledger.chain",
        "UPDATE ledger.events_before_marten SET actor = 'person:intruder'",
        "DELETE FROM ledger.events_before_marten",
        "UPDATE ledger.checkpoints SET head_hash = sha256(head_hash)",
        "DELETE FROM ledger.checkpoints",
        "TRUNCATE ledger.checkpoints",
    };

    [Theory]
    [MemberData(nameof(Rewrites))]
    public async Task The_application_role_is_denied_any_rewrite_of_history(string sql)
    {
        var before = await CountsAsync();

        var denied = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(db.AppDataSource, sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        Assert.Equal(before, await CountsAsync());
    }

    [Theory]
    [MemberData(nameof(Rewrites))]
    public async Task Even_the_superuser_is_stopped_by_the_append_only_trigger(string sql)
    {
        var before = await CountsAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(db.AdminDataSource, sql));

        Assert.Equal("LDG10", refused.SqlState);
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(before, await CountsAsync());
    }

    [Theory]
    [InlineData("UPDATE ledger.events SET actor = 'person:intruder'")]
    [InlineData("DELETE FROM ledger.events WHERE chain_position = 7")]
    [InlineData("INSERT INTO ledger.events (tenant, chain_position) VALUES ('150001', 99)")]
    [InlineData("UPDATE ledger.chain_heads SET position = 1")]
    public async Task The_views_over_martens_tables_cannot_be_written_by_anyone(string sql)
    {
        var before = await CountsAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(db.AdminDataSource, sql));

        Assert.Equal(PostgresErrorCodes.ObjectNotInPrerequisiteState, refused.SqlState);
        Assert.Equal(before, await CountsAsync());
    }

    [Theory]
    [InlineData("INSERT INTO ledger.chain_tenants (tenant, first_at) VALUES ('150099', now())")]
    [InlineData("UPDATE ledger.chain_tenants SET first_at = now()")]
    public async Task The_application_role_cannot_add_or_move_a_chain_head(string sql)
    {
        var denied = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(db.AppDataSource, sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
    }

    [Fact]
    public async Task The_application_role_may_still_append_and_sign()
    {
        using var key = SampleLedger.NewKey();
        var eventsBefore = await CountAsync("ledger.events");

        await db.Store().AppendAsync(new(Tenant, "person-append", "person", ExpectedVersion.NoStream,
            [new("policy.acknowledged.v1", """{"policyId":"social-media"}""")], new("person:head-1")));
        var checkpoint = await new CheckpointIssuer(db.AppDataSource, key, TimeProvider.System).IssueAsync(Tenant);

        Assert.Equal(eventsBefore + 1, await CountAsync("ledger.events"));
        Assert.NotNull(checkpoint);
        Assert.Equal(eventsBefore + 1, checkpoint.Position);
    }

    static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    async Task<(long Events, long Checkpoints)> CountsAsync() =>
        (await CountAsync("ledger.events"), await CountAsync("ledger.checkpoints"));

    async Task<long> CountAsync(string table)
    {
        await using var command = db.AdminDataSource.CreateCommand($"SELECT count(*) FROM {table}");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
