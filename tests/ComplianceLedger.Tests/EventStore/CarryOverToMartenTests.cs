using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.EventStore;

/// <summary>
/// A ledger written by today's store, carried over onto Marten's table (041), is chained again by
/// the database to exactly the positions and hashes it had: every school's head is unchanged.
/// </summary>
public sealed class CarryOverToMartenTests(DemoLedger db) : IClassFixture<DemoLedger>
{
    [Fact]
    public async Task Every_school_of_the_demo_trust_keeps_its_head_hash_on_martens_table()
    {
        db.Seeding.ShouldExitWith(0);
        var heads = await RowsAsync("SELECT tenant, position, hash FROM ledger.chain_heads WHERE position > 0 ORDER BY tenant");
        Assert.True(heads.Count >= 10, $"{heads.Count} schools");

        var carried = await RowsAsync("SELECT tenant, events, head_hash FROM ledger.carry_over_to_marten() ORDER BY tenant");

        Assert.Equal(heads, carried);
        // Event for event, not only the heads: positions, links and every field Marten keeps.
        Assert.Equal(0L, await ScalarAsync("""
            SELECT count(*) FROM ledger.events e
              FULL JOIN (ledger.chain c JOIN marten.mt_events m ON m.seq_id = c.seq_id)
                ON c.tenant = e.tenant AND c.chain_position = e.chain_position
             WHERE c.hash IS DISTINCT FROM e.hash OR c.prev_hash IS DISTINCT FROM e.prev_hash
                OR m.id IS DISTINCT FROM e.event_id OR m.stream_id IS DISTINCT FROM e.stream_id
                OR m.version IS DISTINCT FROM e.stream_version OR m.type IS DISTINCT FROM e.event_type
                OR m.data IS DISTINCT FROM e.data OR m.timestamp IS DISTINCT FROM e.recorded_at
                OR m.user_name IS DISTINCT FROM e.actor OR m.headers ->> 'commandId' IS DISTINCT FROM e.command_id
            """));
        Assert.Equal(0L, await ScalarAsync("""
            SELECT count(*) FROM ledger.streams s FULL JOIN marten.mt_streams m ON m.tenant_id = s.tenant AND m.id = s.stream_id
             WHERE m.version IS DISTINCT FROM s.version
            """));

        // Run again, it carries nothing twice.
        Assert.Empty(await RowsAsync("SELECT tenant, events, head_hash FROM ledger.carry_over_to_marten()"));
    }

    [Fact]
    public async Task A_carried_event_that_would_hash_differently_stops_the_carry_over_and_keeps_nothing()
    {
        db.Seeding.ShouldExitWith(0);
        const string school = "610900";
        await db.Store().AppendAsync(new(school, "person-x", "person", ComplianceLedger.EventStore.ExpectedVersion.NoStream,
            [new("policy.acknowledged.v1", """{"a":1}""")], new("person:office")));
        // Tampered before the carry-over (the append-only trigger set aside, as an attacker would).
        await db.ExecuteAsAdminAsync($$"""
            ALTER TABLE ledger.events DISABLE TRIGGER events_append_only;
            UPDATE ledger.events SET data = '{"a":2}' WHERE tenant = '{{school}}';
            ALTER TABLE ledger.events ENABLE TRIGGER events_append_only;
            """);

        try
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync("SELECT count(*) FROM ledger.carry_over_to_marten()"));

            Assert.Equal("LDG14", refused.SqlState);
            Assert.Contains(school, refused.MessageText, StringComparison.Ordinal);
            Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM marten.mt_events WHERE tenant_id = '{school}'"));
        }
        finally
        {
            // Put back, so the class's other test carries a sound ledger whichever runs first.
            await db.ExecuteAsAdminAsync($$"""
                ALTER TABLE ledger.events DISABLE TRIGGER events_append_only;
                UPDATE ledger.events SET data = '{"a":1}' WHERE tenant = '{{school}}';
                ALTER TABLE ledger.events ENABLE TRIGGER events_append_only;
                """);
        }
    }

    async Task<List<string>> RowsAsync(string sql)
    {
        await using var command = db.AdminDataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add($"{reader.GetString(0)} {reader.GetInt64(1)} {Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(2))}");
        }
        return rows;
    }

    async Task<long> ScalarAsync(string sql)
    {
        await using var command = db.AdminDataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
