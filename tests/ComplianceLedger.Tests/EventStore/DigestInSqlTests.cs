using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.EventStore;

/// <summary>
/// The database recomputes every stored event's digest and hash from the row alone
/// (<c>ledger.event_digest</c>, <c>ledger.link_hash</c>, migration 030), to the bytes the app hashed.
/// </summary>
public sealed class DigestInSqlTests(DemoLedger db) : IClassFixture<DemoLedger>
{
    const string Rehash = """
        ledger.link_hash(e.prev_hash, e.chain_position, e.stream_version,
            ledger.event_digest(e.tenant, e.stream_id, e.event_id, e.event_type, e.data, e.actor,
                                e.correlation_id, e.causation_id, e.command_id, e.recorded_at))
        """;

    [Fact]
    public async Task Every_event_of_the_seeded_demo_trust_rehashes_in_the_database_to_its_stored_hash()
    {
        db.Seeding.ShouldExitWith(0);
        var (mismatched, total) = await CountMismatchesAsync(db.AppDataSource, tenant: null);
        Assert.True(total > 1000, $"the demo trust holds {total} events");
        Assert.Equal(0, mismatched);
    }

    [Fact]
    public async Task Events_with_correlation_causation_and_command_ids_and_non_ascii_data_rehash_in_the_database()
    {
        const string tenant = "400030";
        var time = new FixedTime(new DateTimeOffset(2026, 3, 8, 6, 59, 59, TimeSpan.Zero).AddTicks(9_999_999));
        var store = db.Store(time);
        await store.AppendAsync(new AppendRequest(tenant, "person-1", "person", ExpectedVersion.NoStream,
            [
                new NewEvent("policy.acknowledged.v1", """{ "zz": -0, "b": "Zoë \u20ac \ud83d\ude00 \/ \u001f", "aa": [9223372036854775807, {"\u00e9": null, "e": true}] }"""),
                new NewEvent("policy.acknowledged.v1", """{}"""),
            ],
            new EventMetadata("person:office", "correlation-1", "cause-1", "key:" + new string('a', 64))));
        time.Now = new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.Zero).AddTicks(10);
        await store.AppendAsync(new AppendRequest(tenant, "person-1", "person", ExpectedVersion.Exactly(2),
            [new NewEvent("policy.acknowledged.v1", """["x\ny", false]""")],
            new EventMetadata("system:cli")));

        var (mismatched, total) = await CountMismatchesAsync(db.AppDataSource, tenant);
        Assert.Equal(3, total);
        Assert.Equal(0, mismatched);
    }

    [Fact]
    public async Task The_digest_is_the_same_whatever_the_sessions_time_zone_and_date_style()
    {
        const string tenant = "400031";
        // 23:30 on 31 October in New York is already 1 November in UTC, and the clocks change that night.
        var time = new FixedTime(new DateTimeOffset(2026, 11, 1, 3, 30, 0, TimeSpan.Zero).AddTicks(1_234_560));
        await db.Store(time).AppendAsync(new AppendRequest(tenant, "person-2", "person", ExpectedVersion.NoStream,
            [new NewEvent("policy.acknowledged.v1", """{"b":1,"a":"x"}""")], new EventMetadata("person:office")));
        var stored = await db.Store().ReadTenantAsync(tenant).SingleAsync();
        var fromTheApp = ChainHash.Digest(new EventContent(stored.Tenant, stored.StreamId, stored.EventId, stored.EventType,
            CanonicalJson.Canonicalize(stored.Data), stored.Actor, stored.CorrelationId, stored.CausationId, stored.CommandId,
            stored.RecordedAt));

        foreach (var zone in new[] { "UTC", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham" })
        {
            await using var connection = await db.AppDataSource.OpenConnectionAsync();
            await using (var set = new NpgsqlCommand($"SET TimeZone = '{zone}'; SET DateStyle = 'SQL, DMY'", connection))
            {
                await set.ExecuteNonQueryAsync();
            }
            await using var digest = new NpgsqlCommand("""
                SELECT ledger.event_digest(e.tenant, e.stream_id, e.event_id, e.event_type, e.data, e.actor,
                                           e.correlation_id, e.causation_id, e.command_id, e.recorded_at)
                  FROM ledger.events e WHERE e.tenant = $1
                """, connection);
            digest.Parameters.Add(new NpgsqlParameter { Value = tenant });
            Assert.Equal(Convert.ToHexStringLower(fromTheApp), Convert.ToHexStringLower((byte[])(await digest.ExecuteScalarAsync())!));

            var (mismatched, total) = await CountMismatchesAsync(connection, tenant: null);
            Assert.True(total > 1000);
            Assert.Equal(0, mismatched);
        }
    }

    // Fields another writer may put in a row: non-ASCII and astral text, empty strings, NULLs.
    [Theory]
    [InlineData("139001", "person-\u00e9", "person:\u00e9l\u00e8ve \ud83d\ude00", "corr-\u540d", "", null, """{"b":[1,-0],"a":"\u001f\/"}""")]
    [InlineData("", "", "", null, null, null, "null")]
    [InlineData("400001", "s", "system:cli", "c", "d", "key:0", """{"\uffff":1,"\ud83d\ude00":2}""")]
    public async Task The_database_digests_any_fields_as_the_app_does(
        string tenant, string streamId, string actor, string? correlationId, string? causationId, string? commandId, string data)
    {
        var eventId = Guid.Parse("0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001");
        var recordedAt = new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.FromHours(-5)).AddTicks(10);
        var fromTheApp = ChainHash.Digest(new EventContent(tenant, streamId, eventId, "any.event.v1",
            CanonicalJson.Canonicalize(data), actor, correlationId, causationId, commandId, recordedAt));

        await using var command = db.AppDataSource.CreateCommand(
            "SELECT ledger.event_digest($1, $2, $3, 'any.event.v1', $4::jsonb, $5, $6, $7, $8, $9)");
        foreach (var value in new object?[] { tenant, streamId, eventId, data, actor, correlationId, causationId, commandId })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = value is Guid ? NpgsqlTypes.NpgsqlDbType.Uuid : NpgsqlTypes.NpgsqlDbType.Text });
        }
        command.Parameters.Add(new NpgsqlParameter { Value = recordedAt.ToUniversalTime() });
        Assert.Equal(Convert.ToHexStringLower(fromTheApp), Convert.ToHexStringLower((byte[])(await command.ExecuteScalarAsync())!));
    }

    [Fact]
    public async Task The_database_links_a_digest_as_the_app_does()
    {
        var previous = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();
        var digest = Enumerable.Range(1, 32).Select(i => (byte)(255 - i)).ToArray();
        await using var command = db.AppDataSource.CreateCommand("SELECT ledger.link_hash($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter { Value = previous });
        command.Parameters.Add(new NpgsqlParameter { Value = 0x0102030405060708L });
        command.Parameters.Add(new NpgsqlParameter { Value = long.MaxValue });
        command.Parameters.Add(new NpgsqlParameter { Value = digest });
        Assert.Equal(Convert.ToHexStringLower(ChainHash.Link(previous, 0x0102030405060708L, long.MaxValue, digest)),
            Convert.ToHexStringLower((byte[])(await command.ExecuteScalarAsync())!));
    }

    static async Task<(long Mismatched, long Total)> CountMismatchesAsync(NpgsqlDataSource source, string? tenant)
    {
        await using var connection = await source.OpenConnectionAsync();
        return await CountMismatchesAsync(connection, tenant);
    }

    static async Task<(long Mismatched, long Total)> CountMismatchesAsync(NpgsqlConnection connection, string? tenant)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT count(*) FILTER (WHERE {Rehash} IS DISTINCT FROM e.hash), count(*)
              FROM ledger.events e
             WHERE $1::text IS NULL OR e.tenant = $1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
