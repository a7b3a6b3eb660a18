using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.Verification;
using Npgsql;

namespace ComplianceLedger.Tests.EventStore;

/// <summary>
/// A database as the release before Marten left it (migrations up to 041), its ledger written by
/// that release's append function: three schools, keyed and fingerprinted commands, appends of
/// one and of two events, signed checkpoints.
/// </summary>
public sealed class LedgerBeforeMarten : LedgerDatabase
{
    public static readonly string[] Schools = ["620001", "620002", "620003"];

    protected override int MigrateUpTo => 41;

    public SigningKey Key { get; } = SampleLedger.NewKey();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // The old function takes each event's digest from its caller; 030's is the same bytes.
        await ExecuteAsAdminAsync("""
            DO $$
            DECLARE
                v_school text;
                v_ids    uuid[];
                v_data   text[];
                v_at     timestamptz;
                v_cmd    text;
                v_stream text;
            BEGIN
                FOREACH v_school IN ARRAY ARRAY['620001', '620002', '620003'] LOOP
                    FOR i IN 1 .. 24 LOOP
                        v_stream := 'person-' || (i % 5);
                        v_at := timestamptz '2026-09-01 08:00:00.123456+00' + i * interval '1 minute 0.000017 second';
                        v_cmd := CASE WHEN i % 3 = 0 THEN 'key:' || v_school || '-' || i END;
                        v_ids := CASE WHEN i % 4 = 0 THEN ARRAY[gen_random_uuid(), gen_random_uuid()] ELSE ARRAY[gen_random_uuid()] END;
                        v_data := ARRAY(SELECT format('{"policyId":"social-media","version":%s,"note":"read on paper, \"signed\" ✓ %s"}', i, j)
                                          FROM generate_subscripts(v_ids, 1) j);
                        PERFORM ledger.append_events(v_school, v_stream, 'person', NULL, v_cmd, 'person:office',
                            'correlation-' || i, CASE WHEN i % 2 = 0 THEN 'cause-' || i END, v_at, v_ids,
                            array_fill('policy.acknowledged.v1'::text, ARRAY[cardinality(v_ids)]), v_data,
                            ARRAY(SELECT ledger.event_digest(v_school, v_stream, v_ids[j], 'policy.acknowledged.v1', v_data[j]::jsonb,
                                         'person:office', 'correlation-' || i, CASE WHEN i % 2 = 0 THEN 'cause-' || i END, v_cmd, v_at)
                                    FROM generate_subscripts(v_ids, 1) j),
                            CASE WHEN i % 6 = 0 THEN sha256(convert_to(v_cmd, 'UTF8')) END);
                    END LOOP;
                END LOOP;
            END $$;
            """);
        // Signed as the issuer signed then: the chain's hash at the head, before tree heads (080).
        await using (var key = AppDataSource.CreateCommand("INSERT INTO ledger.signing_keys (key_id, public_key, first_used) VALUES ($1, $2, now())"))
        {
            key.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Key.KeyId });
            key.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = Key.PublicKey });
            await key.ExecuteNonQueryAsync();
        }
        foreach (var school in Schools)
        {
            await using var head = AppDataSource.CreateCommand("SELECT position, hash FROM ledger.chain_heads WHERE tenant = $1");
            head.Parameters.Add(new NpgsqlParameter<string> { TypedValue = school });
            long position;
            byte[] hash;
            await using (var reader = await head.ExecuteReaderAsync())
            {
                await reader.ReadAsync();
                (position, hash) = (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
            }
            var issuedAt = ChainHash.TruncateToMicroseconds(DateTimeOffset.UtcNow);
            await using var insert = AppDataSource.CreateCommand(
                "INSERT INTO ledger.checkpoints (tenant, position, head_hash, issued_at, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)");
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = school });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = issuedAt });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Key.KeyId });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = Key.Sign(Checkpoint.SignedBytes(school, position, hash, issuedAt, Key.KeyId)) });
            await insert.ExecuteNonQueryAsync();
        }
    }

    public override async Task DisposeAsync()
    {
        Key.Dispose();
        await base.DisposeAsync();
    }

    public Task<LedgerRun> MigrateAsync() => LedgerRun.RunAsync(
        new Dictionary<string, string?>(), "migrate", "--connection", AdminConnectionString);

    public Task<LedgerRun> VerifyAsync(string publicKeyFile) => LedgerRun.RunAsync(
        new Dictionary<string, string?>(), "verify", "--public-key", publicKeyFile, "--connection", AppConnectionString);
}

/// <summary>
/// `ledger migrate` carries a ledger written by the hand-written store onto Marten's table (042):
/// `ledger verify` prints the same head hash for every school before and after, every event keeps
/// every field, position and hash, checkpoints still verify, and command ids keep their meaning.
/// </summary>
public sealed class CarryOverToMartenTests(LedgerBeforeMarten db) : IClassFixture<LedgerBeforeMarten>, IDisposable
{
    readonly string publicKeyFile = SampleLedger.WritePublicKeyFile(db.Key);

    public void Dispose() => File.Delete(publicKeyFile);

    [Fact]
    public async Task Migrate_carries_every_school_and_verify_prints_the_same_heads_before_and_after()
    {
        var before = (await db.VerifyAsync(publicKeyFile)).ShouldExitWith(0);
        var fieldsBefore = await RowsAsync("""
            SELECT tenant, chain_position, stream_id, stream_version, event_id, event_type, data::text, actor, correlation_id,
                   causation_id, command_id, recorded_at, prev_hash, hash FROM ledger.events ORDER BY tenant, chain_position
            """);
        Assert.Equal(3 * 30, fieldsBefore.Count);

        var migrate = (await db.MigrateAsync()).ShouldExitWith(0).ShouldContain("applied 042_cut_over_to_marten.sql");
        var after = (await db.VerifyAsync(publicKeyFile)).ShouldExitWith(0);

        var heads = HeadLines(before);
        Assert.Equal(3, heads.Count);
        Assert.Equal(heads, HeadLines(after));
        foreach (var school in LedgerBeforeMarten.Schools)
        {
            after.ShouldContain($"tenant {school}: 30 events, 1 checkpoint: OK");
            var head = heads.Single(h => h.StartsWith(school, StringComparison.Ordinal)).Split(' ')[^1];
            migrate.ShouldContain($"carried school {school} onto Marten's table: 30 events, head {head}");
        }
        // Event for event: the view over Marten's table shows what the old table held, field for field.
        Assert.Equal(fieldsBefore, await RowsAsync("""
            SELECT tenant, chain_position, stream_id, stream_version, event_id, event_type, data::text, actor, correlation_id,
                   causation_id, command_id, recorded_at, prev_hash, hash FROM ledger.events ORDER BY tenant, chain_position
            """));
        Assert.Equal(await RowsAsync("SELECT tenant, stream_id, stream_type, version FROM ledger.streams_before_marten ORDER BY 1, 2"),
            await RowsAsync("SELECT tenant, stream_id, stream_type, version FROM ledger.streams ORDER BY 1, 2"));
        (await db.MigrateAsync()).ShouldExitWith(0).ShouldContain("nothing to apply");

        // Command ids keep their meaning: a retry of a carried command replays it, by key and by fingerprint.
        var store = db.Store();
        var carried = await store.FindCommandAsync("620001", "key:620001-6", System.Security.Cryptography.SHA256.HashData("key:620001-6"u8));
        Assert.NotNull(carried);
        var retry = await store.AppendAsync(new AppendRequest("620001", "person-3", "person", ExpectedVersion.Any,
            [new NewEvent("policy.acknowledged.v1", """{"policyId":"social-media","version":3}""")], new EventMetadata("person:office", CommandId: "key:620001-3")));
        Assert.True(retry.Replayed);
        Assert.Equal(carried.Events.Count, (await store.FindCommandAsync("620001", "key:620001-6"))!.Events.Count);
        await Assert.ThrowsAsync<CommandIdReusedException>(() => store.FindCommandAsync("620001", "key:620001-6", new byte[32]));

        // And the chain goes on from the carried head.
        var next = await store.AppendAsync(new AppendRequest("620002", "person-new", "person", ExpectedVersion.NoStream,
            [new NewEvent("policy.acknowledged.v1", """{"policyId":"social-media","version":4}""")], new EventMetadata("person:office")));
        Assert.Equal(31, next.Events[0].ChainPosition);
        (await db.VerifyAsync(publicKeyFile)).ShouldExitWith(0).ShouldContain("tenant 620002: 31 events, 1 checkpoint: OK");
    }

    /// <summary>Each school's <c>head at position …</c> line, prefixed with the school.</summary>
    static List<string> HeadLines(LedgerRun run)
    {
        var lines = run.Output.Split('\n').Select(l => l.TrimEnd()).ToList();
        return [.. lines.Select((l, i) => (l, i))
            .Where(x => x.l.StartsWith("tenant ", StringComparison.Ordinal) && x.l.EndsWith("OK", StringComparison.Ordinal))
            .Select(x => x.l.Split(' ')[1].TrimEnd(':') + " " + lines[x.i + 1].Trim())];
    }

    async Task<List<string>> RowsAsync(string sql)
    {
        await using var command = db.AdminDataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "∅"
                : reader.GetValue(i) is byte[] bytes ? Convert.ToHexStringLower(bytes)
                : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }
        return rows;
    }
}

/// <summary>A ledger that would not hash the same on Marten's table is not carried at all.</summary>
public sealed class CarryOverRefusalTests(LedgerBeforeMarten db) : IClassFixture<LedgerBeforeMarten>
{
    [Fact]
    public async Task A_tampered_event_stops_the_migration_and_nothing_of_it_is_kept()
    {
        // Tampered before the cut-over, the append-only trigger set aside as an attacker would.
        await db.ExecuteAsAdminAsync("""
            ALTER TABLE ledger.events DISABLE TRIGGER events_append_only;
            UPDATE ledger.events SET data = jsonb_set(data, '{version}', '99') WHERE tenant = '620002' AND chain_position = 7;
            ALTER TABLE ledger.events ENABLE TRIGGER events_append_only;
            """);

        (await db.MigrateAsync())
            .ShouldExitWith(ExitCodeProblemsFound)
            .ShouldContain("Migration failed and was rolled back")
            .ShouldContain("school 620002")
            .ShouldContain("LDG14");

        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM marten.mt_events"));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM ledger.schema_migrations WHERE number = 42"));
        Assert.Equal(90L, await ScalarAsync("SELECT count(*) FROM ledger.events"));
    }

    const int ExitCodeProblemsFound = ComplianceLedger.Cli.ExitCodes.ProblemsFound;

    async Task<long> ScalarAsync(string sql)
    {
        await using var command = db.AdminDataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
