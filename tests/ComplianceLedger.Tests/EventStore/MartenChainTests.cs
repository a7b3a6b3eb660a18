using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Marten;
using ComplianceLedger.EventStore.Migrations;
using ComplianceLedger.Projections;
using ComplianceLedger.Tests.Fixtures;
using Marten;
using Npgsql;

namespace ComplianceLedger.Tests.EventStore;

/// <summary>
/// Events appended through Marten, as the app's role, are chained by the database (040) with
/// the bytes docs/ledger-format.md specifies, and Marten's table is append-only for everyone.
/// </summary>
public sealed class MartenChainTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    public sealed record PolicyAcknowledged(string PersonId, string PolicyId, int Version, string Note);

    DocumentStore Store(TimeProvider? time = null)
    {
        var options = LedgerMarten.Configure(new StoreOptions(), db.AppConnectionString, time ?? TimeProvider.System);
        options.Events.MapEventType<PolicyAcknowledged>("policy.acknowledged.v1");
        return new DocumentStore(options);
    }

    static PolicyAcknowledged Ack(int i) => new($"person-{i}", "policy-1", 3, $"read on paper, \"signed\" ✓ {i}\n");

    [Fact]
    public async Task Events_appended_through_marten_are_chained_gap_free_with_the_documented_hash()
    {
        var time = new FixedTime(new DateTimeOffset(2026, 9, 1, 8, 30, 0, 123, TimeSpan.Zero).AddTicks(4567));
        using var store = Store(time);
        foreach (var school in new[] { "610001", "610002" })
        {
            await using var session = store.LightweightSession(school);
            session.CorrelationId = "correlation-1";
            session.LastModifiedBy = "person:head";
            session.SetHeader("commandId", "key:abc");
            session.Events.StartStream($"person-a-{school}", Ack(1), Ack(2));
            session.Events.StartStream($"person-b-{school}", Ack(3));
            await session.SaveChangesAsync();
            time.Now = time.Now.AddMinutes(5);
            await using var next = store.LightweightSession(school);
            next.LastModifiedBy = "person:head";
            next.Events.Append($"person-a-{school}", Ack(4));
            await next.SaveChangesAsync();
        }

        var rows = (await ChainAsync()).Where(r => r.Tenant is "610001" or "610002").ToList();
        Assert.Equal(8, rows.Count);
        foreach (var school in rows.GroupBy(r => r.Tenant))
        {
            Assert.Equal([1L, 2L, 3L, 4L], school.Select(r => r.Position));
        }
        AssertLinksRecompute(rows);
        Assert.All(rows, r => Assert.Equal("person:head", r.Actor));
        Assert.Contains(rows, r => r.RecordedAt == new DateTimeOffset(2026, 9, 1, 8, 35, 0, 123, TimeSpan.Zero).AddTicks(4560));
    }

    [Fact]
    public async Task Concurrent_writers_on_one_school_leave_one_unbroken_chain()
    {
        using var store = Store();
        const string school = "610003";
        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 15; i++)
            {
                await using var session = store.LightweightSession(school);
                session.Events.StartStream($"writer-{writer}-{i}", Ack(i), Ack(i + 100));
                await session.SaveChangesAsync();
            }
        })));

        var rows = (await ChainAsync()).Where(r => r.Tenant == school).ToList();
        Assert.Equal(Enumerable.Range(1, 240).Select(p => (long)p), rows.Select(r => r.Position));
        AssertLinksRecompute(rows);
    }

    [Fact]
    public async Task Migrating_again_brings_marten_up_to_date_and_keeps_the_chain_trigger()
    {
        using var store = Store();
        const string school = "610006";
        await using (var session = store.LightweightSession(school))
        {
            session.Events.StartStream("person-before", Ack(1));
            await session.SaveChangesAsync();
        }

        // Something of Marten's goes missing; migrating again has Marten make it, as the owner.
        await db.ExecuteAsAdminAsync("DROP FUNCTION marten.mt_quick_append_events");
        Assert.Empty(await LedgerMigrator.MigrateAsync(db.AdminConnectionString, null, ProjectionSchema.Scripts));
        await using (var remade = db.AdminDataSource.CreateCommand(
            "SELECT proowner::regrole::text FROM pg_proc WHERE proname = 'mt_quick_append_events' AND pronamespace = 'marten'::regnamespace"))
        {
            Assert.Equal("ledger_owner", await remade.ExecuteScalarAsync());
        }

        await using (var session = store.LightweightSession(school))
        {
            session.Events.Append("person-before", Ack(2));
            await session.SaveChangesAsync();
        }
        var rows = (await ChainAsync()).Where(r => r.Tenant == school).ToList();
        Assert.Equal([1L, 2L], rows.Select(r => r.Position));
        AssertLinksRecompute(rows);
        await using var owner = db.AdminDataSource.CreateCommand(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'marten'::regnamespace AND relowner <> 'ledger_owner'::regrole");
        Assert.Equal(0L, await owner.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Saves_to_two_streams_of_a_school_in_opposite_orders_neither_deadlock_nor_break_the_chain()
    {
        using var store = Store();
        const string school = "610009";
        await using (var first = await LedgerMarten.OpenSchoolSessionAsync(store, school, default))
        {
            first.Events.StartStream("person-left", Ack(0));
            first.Events.StartStream("person-right", Ack(0));
            await first.SaveChangesAsync();
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 15; i++)
            {
                await using var session = await LedgerMarten.OpenSchoolSessionAsync(store, school, default);
                var (one, two) = (writer + i) % 2 == 0 ? ("person-left", "person-right") : ("person-right", "person-left");
                session.Events.Append(one, Ack(i));
                session.Events.Append(two, Ack(i));
                await session.SaveChangesAsync();
            }
        })));

        var rows = (await ChainAsync()).Where(r => r.Tenant == school).ToList();
        Assert.Equal(Enumerable.Range(1, 242).Select(p => (long)p), rows.Select(r => r.Position));
        AssertLinksRecompute(rows);
    }

    [Theory]
    [InlineData("UPDATE marten.mt_events SET data = '{}'")]
    [InlineData("DELETE FROM marten.mt_events")]
    [InlineData("TRUNCATE marten.mt_events")]
    [InlineData("UPDATE ledger.chain SET hash = prev_hash")]
    [InlineData("DELETE FROM ledger.chain")]
    public async Task Rewriting_marten_events_or_their_chain_is_refused_even_to_the_superuser(string sql)
    {
        using var store = Store();
        await using (var session = store.LightweightSession("610004"))
        {
            session.Events.StartStream($"person-{Guid.NewGuid():N}", Ack(1));
            await session.SaveChangesAsync();
        }

        var refused = await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsAdminAsync(sql));
        Assert.Equal("LDG10", refused.SqlState);
    }

    [Fact]
    public async Task A_chain_row_cannot_be_written_except_by_appending_an_event()
    {
        var byHand = "INSERT INTO ledger.chain VALUES ('610005', 1, 1, '\\x" + new string('0', 64) + "', '\\x" + new string('1', 64) + "')";
        Assert.Equal("LDG11", (await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsAdminAsync(byHand))).SqlState);

        await using var command = db.AppDataSource.CreateCommand(byHand);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync())).SqlState);
    }

    [Fact]
    public async Task The_chain_function_cannot_be_borrowed_by_another_tables_trigger()
    {
        await using var connection = await db.AppDataSource.OpenConnectionAsync();
        await using var make = new NpgsqlCommand("""
            CREATE TEMP TABLE forged (LIKE marten.mt_events);
            CREATE TRIGGER forge AFTER INSERT ON forged FOR EACH ROW EXECUTE FUNCTION ledger.chain_event();
            """, connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => make.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);

        // Even the owner's own trigger on another table writes no link.
        await db.ExecuteAsAdminAsync("""
            CREATE TABLE public.forged (LIKE marten.mt_events INCLUDING DEFAULTS);
            CREATE TRIGGER forge AFTER INSERT ON public.forged FOR EACH ROW EXECUTE FUNCTION ledger.chain_event();
            """);
        var borrowed = await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsAdminAsync(
            "INSERT INTO public.forged (seq_id, id, stream_id, version, data, type, timestamp, tenant_id) VALUES (999999, gen_random_uuid(), 's', 1, '{}', 't', now(), '610007')"));
        Assert.Equal("LDG11", borrowed.SqlState);
    }

    [Fact]
    public async Task An_append_at_repeatable_read_is_refused_with_a_clear_error()
    {
        await using var connection = await db.AdminDataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        await using var append = new NpgsqlCommand("""
            INSERT INTO marten.mt_streams (id, tenant_id, version) VALUES ('person-rr', '610008', 1);
            INSERT INTO marten.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id)
                 VALUES (nextval('marten.mt_events_sequence'), gen_random_uuid(), 'person-rr', 1, '{}', 'policy.acknowledged.v1', now(), '610008');
            """, connection, transaction);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => append.ExecuteNonQueryAsync());
        Assert.Equal("LDG13", refused.SqlState);
    }

    [Fact]
    public async Task A_digest_the_writer_names_is_the_one_chained_and_a_false_one_fails_verification()
    {
        const string school = "610010";
        var store = new ComplianceLedger.EventStore.LedgerStore(db.AppDataSource, TimeProvider.System);
        await store.AppendAsync(new(school, "person-a", "person", ComplianceLedger.EventStore.ExpectedVersion.NoStream,
            [new("policy.acknowledged.v1", """{"policyId":"social-media"}""")], new("person:office")));
        var honest = (await ChainAsync()).Where(r => r.Tenant == school).ToList();
        AssertLinksRecompute(honest);

        // A writer names a digest of zeros for its event: the chain takes it, and verify exposes it.
        var forged = Guid.NewGuid();
        await using (var connection = await db.AppDataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var append = new NpgsqlCommand($"""
                SELECT set_config('ledger.digests', '{forged}={new string('0', 64)};', true);
                UPDATE marten.mt_streams SET version = 2 WHERE tenant_id = '{school}' AND id = 'person-a';
                INSERT INTO marten.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, user_name)
                     VALUES (nextval('marten.mt_events_sequence'), '{forged}', 'person-a', 2, '{"{"}"policyId":"social-media"{"}"}',
                             'policy.acknowledged.v1', now(), '{school}', 'person:office');
                """, connection, transaction);
            await append.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }
        var rows = (await ChainAsync()).Where(r => r.Tenant == school).ToList();
        Assert.Equal(ChainHash.Link(rows[0].Hash, 2, 2, new byte[32]), rows[1].Hash);

        var verified = await new ComplianceLedger.EventStore.Verification.LedgerVerifier(db.AppDataSource)
            .VerifyTenantAsync(school, new Dictionary<string, byte[]>());
        Assert.False(verified.Holds);
        Assert.Equal(2, verified.Problems[0].Position);
    }

    [Fact]
    public async Task A_bulk_statement_without_named_hashes_is_chained_whole_school_by_school()
    {
        // Two schools in one statement, in bulk mode, nothing named: the statement trigger links every row itself.
        await using (var connection = await db.AppDataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var append = new NpgsqlCommand("""
                SELECT set_config('ledger.bulk', 'on', true);
                INSERT INTO marten.mt_streams (tenant_id, id, version) VALUES ('610011', 'person-b', 3), ('610012', 'person-b', 2);
                INSERT INTO marten.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, user_name, headers)
                     SELECT nextval('marten.mt_events_sequence'), gen_random_uuid(), 'person-b', v, jsonb_build_object('n', v),
                            'policy.acknowledged.v1', now(), t, 'person:office', jsonb_build_object('commandId', 'key:' || t || v)
                       FROM (VALUES ('610011', 1), ('610012', 1), ('610011', 2), ('610011', 3), ('610012', 2)) AS x (t, v);
                """, connection, transaction);
            await append.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        var rows = (await ChainAsync()).Where(r => r.Tenant is "610011" or "610012").ToList();
        Assert.Equal([1L, 2L, 3L], rows.Where(r => r.Tenant == "610011").Select(r => r.Position));
        Assert.Equal([1L, 2L, 3L], rows.Where(r => r.Tenant == "610011").Select(r => r.Version));
        Assert.Equal([1L, 2L], rows.Where(r => r.Tenant == "610012").Select(r => r.Position));
        AssertLinksRecompute(rows);
    }

    [Fact]
    public async Task A_bulk_load_that_names_a_false_hash_fails_verification_at_that_position()
    {
        const string school = "610013";
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var connection = await db.AppDataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var append = new NpgsqlCommand($"""
                SELECT set_config('ledger.bulk', 'on', true),
                       set_config('ledger.links', '{first}={new string('a', 64)};{second}={new string('b', 64)};', true);
                INSERT INTO marten.mt_streams (tenant_id, id, version) VALUES ('{school}', 'person-c', 2);
                INSERT INTO marten.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, user_name)
                     VALUES (nextval('marten.mt_events_sequence'), '{first}', 'person-c', 1, '{"{"}{"}"}', 'policy.acknowledged.v1', now(), '{school}', 'person:office'),
                            (nextval('marten.mt_events_sequence'), '{second}', 'person-c', 2, '{"{"}{"}"}', 'policy.acknowledged.v1', now(), '{school}', 'person:office');
                """, connection, transaction);
            await append.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        // Stored as named, each linked to the one before; the verifier recomputes and refuses the first.
        var rows = (await ChainAsync()).Where(r => r.Tenant == school).ToList();
        Assert.Equal([Convert.FromHexString(new string('a', 64)), Convert.FromHexString(new string('b', 64))], rows.Select(r => r.Hash));
        Assert.Equal(rows[0].Hash, rows[1].PrevHash);
        var verified = await new ComplianceLedger.EventStore.Verification.LedgerVerifier(db.AppDataSource)
            .VerifyTenantAsync(school, new Dictionary<string, byte[]>());
        Assert.Equal(1, verified.Problems[0].Position);
    }

    [Fact]
    public async Task The_app_role_cannot_change_martens_schema()
    {
        await using var command = db.AppDataSource.CreateCommand("ALTER TABLE marten.mt_events DISABLE TRIGGER mt_events_chain");
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    sealed record ChainRow(string Tenant, long Position, string StreamId, long Version, Guid EventId, string Type, string Data,
        string Actor, string? CorrelationId, string? CausationId, string? CommandId, DateTimeOffset RecordedAt, byte[] PrevHash, byte[] Hash);

    async Task<List<ChainRow>> ChainAsync()
    {
        await using var command = db.AdminDataSource.CreateCommand("""
            SELECT c.tenant, c.chain_position, e.stream_id, e.version, e.id, e.type, e.data::text, COALESCE(e.user_name, ''),
                   e.correlation_id, e.causation_id, e.headers ->> 'commandId', e.timestamp, c.prev_hash, c.hash
              FROM ledger.chain c JOIN marten.mt_events e ON e.seq_id = c.seq_id
             ORDER BY c.tenant, c.chain_position
            """);
        var rows = new List<ChainRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new ChainRow(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3), reader.GetGuid(4),
                reader.GetString(5), reader.GetString(6), reader.GetString(7), Nullable(reader, 8), Nullable(reader, 9), Nullable(reader, 10),
                reader.GetFieldValue<DateTimeOffset>(11), reader.GetFieldValue<byte[]>(12), reader.GetFieldValue<byte[]>(13)));
        }
        return rows;
    }

    static string? Nullable(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    // Recomputed here from the stored fields with the app's own code (ChainHash, CanonicalJson).
    static void AssertLinksRecompute(List<ChainRow> rows)
    {
        foreach (var school in rows.GroupBy(r => r.Tenant))
        {
            var prev = ChainHash.Genesis.ToArray();
            foreach (var row in school)
            {
                Assert.Equal(prev, row.PrevHash);
                var digest = ChainHash.Digest(new EventContent(row.Tenant, row.StreamId, row.EventId, row.Type,
                    CanonicalJson.Canonicalize(row.Data), row.Actor, row.CorrelationId, row.CausationId, row.CommandId, row.RecordedAt));
                Assert.Equal(ChainHash.Link(prev, row.Position, row.Version, digest), row.Hash);
                prev = row.Hash;
            }
        }
    }
}
