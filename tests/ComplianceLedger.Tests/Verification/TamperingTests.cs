using ComplianceLedger.Cli;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.Verification;

/// <summary>
/// Rewrites history the way only a superuser can (triggers off), in Marten's events table and the chain beside it, and checks that
/// <c>ledger verify</c> names the tenant and the first position where the rewrite shows.
/// Each test has its own tenant of 20 events with signed checkpoints at 10 and 20.
/// </summary>
public sealed class TamperingTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>, IDisposable
{
    readonly SigningKey key = SampleLedger.NewKey();
    readonly List<string> files = [];

    public void Dispose()
    {
        key.Dispose();
        files.ForEach(File.Delete);
    }

    string PublicKeyFile()
    {
        var file = SampleLedger.WritePublicKeyFile(key);
        files.Add(file);
        return file;
    }

    /// <summary>Seeds the tenant and proves it verifies before anything is touched.</summary>
    async Task SeedVerifiedAsync(string tenant)
    {
        await SampleLedger.SeedAsync(db, tenant, key);
        (await VerifyAsync(tenant))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain($"tenant {tenant}: 20 events, 2 checkpoints: OK");
    }

    Task<LedgerRun> VerifyAsync(string tenant, params string[] extra) => LedgerRun.RunAsync(
        ["verify", "--tenant", tenant, "--public-key", PublicKeyFile(), "--connection", db.AppConnectionString, .. extra]);

    /// <summary>Runs <paramref name="sql"/> as the superuser with the append-only triggers off, in one transaction.</summary>
    Task TamperAsync(string sql) =>
        db.ExecuteAsAdminAsync($"SET session_replication_role = replica; {sql}; SET session_replication_role = DEFAULT;");

    static async Task<LedgerRun> ShouldFailAt(Task<LedgerRun> verify, string tenant, long position) =>
        (await verify)
            .ShouldExitWith(ExitCodes.ProblemsFound)
            .ShouldContain($"tenant {tenant}: FAILED at position {position}: ")
            .ShouldContain("1 of 1 tenant FAILED");

    [Theory]
    [InlineData("140001", "data = jsonb_set(data, '{version}', '\"4\"')")]
    [InlineData("140002", "type = 'policy.withdrawn.v1'")]
    [InlineData("140003", "user_name = 'person:head-2'")]
    [InlineData("140004", "timestamp = timestamp + interval '1 microsecond'")]
    [InlineData("140005", "correlation_id = 'corr-9'")]
    [InlineData("140006", "causation_id = NULL")]
    [InlineData("140007", "headers = jsonb_build_object('commandId', 'cmd-forged')")]
    [InlineData("140008", "stream_id = 'person-9'")]
    [InlineData("140009", "version = version + 100")]
    [InlineData("140010", "id = gen_random_uuid()")]
    [InlineData("140011", "timestamp = 'infinity'")]
    [InlineData("140012", "timestamp = '-infinity'")]
    public async Task Verify_reports_the_first_bad_position_when_one_field_of_an_event_is_changed(string tenant, string change)
    {
        await SeedVerifiedAsync(tenant);

        await TamperAsync($"UPDATE marten.mt_events SET {change} WHERE seq_id = {EventAt(tenant, 7)}");

        var run = await ShouldFailAt(VerifyAsync(tenant), tenant, 7);
        run.ShouldContain("hash mismatch");
    }

    [Theory]
    [InlineData("141001", 1)]
    [InlineData("141007", 7)]
    [InlineData("141020", 20)]
    public async Task Verify_reports_the_first_bad_position_when_an_event_is_deleted(string tenant, long position)
    {
        await SeedVerifiedAsync(tenant);

        await TamperAsync($"""
            DELETE FROM marten.mt_events WHERE seq_id = {EventAt(tenant, position)};
            DELETE FROM ledger.chain WHERE tenant = '{tenant}' AND chain_position = {position}
            """);

        await ShouldFailAt(VerifyAsync(tenant), tenant, position);
    }

    [Theory]
    [InlineData("142001", 5, 12)]
    [InlineData("142002", 8, 9)]
    public async Task Verify_reports_the_first_bad_position_when_two_events_are_swapped(string tenant, long first, long second)
    {
        await SeedVerifiedAsync(tenant);

        // (tenant, chain_position) is the primary key, so one of the two parks at a negative position.
        await TamperAsync($"""
            UPDATE ledger.chain SET chain_position = -1 WHERE tenant = '{tenant}' AND chain_position = {first};
            UPDATE ledger.chain SET chain_position = {first} WHERE tenant = '{tenant}' AND chain_position = {second};
            UPDATE ledger.chain SET chain_position = {second} WHERE tenant = '{tenant}' AND chain_position = -1
            """);

        await ShouldFailAt(VerifyAsync(tenant), tenant, first);
    }

    [Theory]
    [InlineData("143001", 7)]
    [InlineData("143003", 1)]
    public async Task Verify_reports_the_first_bad_position_when_an_event_is_inserted(string tenant, long position)
    {
        await SeedVerifiedAsync(tenant);

        await TamperAsync(InsertForgedAt(tenant, position));

        var run = await ShouldFailAt(VerifyAsync(tenant), tenant, position);
        run.ShouldContain("position 10: the Merkle root of the events up to here differs from the signed tree head");
    }

    [Fact]
    public async Task A_chain_shifted_from_its_start_lists_the_first_problems_and_counts_the_rest()
    {
        const string tenant = "143004";
        await SampleLedger.SeedAsync(db, tenant, key, to: 20);

        await TamperAsync(InsertForgedAt(tenant, 1));

        // Every event has moved up one place, so each one from position 2 to 41 fails its hash.
        var run = await ShouldFailAt(VerifyAsync(tenant), tenant, 1);
        run.ShouldContain("further problems");
        Assert.True(run.Output.Split('\n').Length < 40, run.ToString());
    }

    [Fact]
    public async Task An_inserted_event_with_a_correctly_computed_hash_is_exposed_where_the_next_link_breaks()
    {
        const string tenant = "143002";
        await SeedVerifiedAsync(tenant);
        var fifth = await db.Store().ReadTenantAsync(tenant, afterPosition: 4, limit: 1).SingleAsync();
        var forged = Rehashed(
            fifth with { ChainPosition = 6, StreamId = "person-forged", StreamVersion = 1, EventId = Guid.NewGuid(), CommandId = null },
            fifth.Hash);

        // A copy of event 5 under a new stream, hashed exactly as an honest append would have.
        await TamperAsync($"""
            {ShiftUpFrom(tenant, 6)};
            {ForgeEvent(tenant, 5, $"'{forged.EventId}'")};
            INSERT INTO ledger.chain (tenant, chain_position, seq_id, prev_hash, hash)
                 VALUES ('{tenant}', 6, currval('marten.mt_events_sequence'),
                         '\x{Convert.ToHexString(forged.PreviousHash)}', '\x{Convert.ToHexString(forged.Hash)}')
            """);

        // Position 6 is a perfect link, but its stream was never created; the original event now at 7 no longer follows it.
        (await ShouldFailAt(VerifyAsync(tenant), tenant, 6))
            .ShouldContain("position 6: stream person-forged has events but no stream record")
            .ShouldContain("position 7: previous-hash link broken");
    }

    [Fact]
    public async Task A_consistently_rehashed_history_is_caught_by_the_signed_checkpoint()
    {
        const string tenant = "144001";
        await SeedVerifiedAsync(tenant);

        // The forger knows the hash algorithm: change event 7 and recompute every later link (the head is the last).
        var (sql, _) = await RehashedFromSeventhAsync(tenant);
        await TamperAsync(string.Join(";\n", sql));

        // The chain itself is consistent again; only the checkpoint signed at 10 still remembers the truth.
        var run = await ShouldFailAt(VerifyAsync(tenant), tenant, 10);
        run.ShouldContain("the Merkle root of the events up to here differs from the signed tree head")
            .ShouldNotContain("hash mismatch")
            .ShouldNotContain("link broken");
    }

    [Fact]
    public async Task A_history_rehashed_and_resigned_with_a_key_added_to_the_database_passes_only_when_the_database_keys_are_trusted()
    {
        const string tenant = "144002";
        await SeedVerifiedAsync(tenant);
        var digest = await DigestAsync(tenant);

        // The forger changes event 7, relinks the rest, adds a key of their own and signs new tree heads with it.
        var (sql, hashes) = await RehashedFromSeventhAsync(tenant);
        using var forger = SampleLedger.NewKey();
        sql.Add($"INSERT INTO ledger.signing_keys (key_id, public_key, first_used) VALUES ('{forger.KeyId}', '\\x{Convert.ToHexString(forger.PublicKey)}', now())");
        foreach (var position in new[] { 10, 20 })
        {
            var root = MerkleTree.OfEventHashes(hashes.Take(position)).Root;
            var at = new DateTimeOffset(2026, 9, 2, 8, 0, 0, TimeSpan.Zero);
            var signature = forger.Sign(Checkpoint.TreeHeadSignedBytes(tenant, position, root, at, forger.KeyId));
            sql.Add($"""
                UPDATE ledger.checkpoints SET head_hash = '\x{Convert.ToHexString(hashes[position - 1])}', tree_root = '\x{Convert.ToHexString(root)}',
                       issued_at = '{ChainHash.FormatTimestamp(at)}', key_id = '{forger.KeyId}', signature = '\x{Convert.ToHexString(signature)}'
                 WHERE tenant = '{tenant}' AND position = {position}
                """);
        }
        await TamperAsync(string.Join(";\n", sql));

        // Trusting what the database records, the forgery holds, and the verifier says why that proves nothing.
        (await LedgerRun.RunAsync("verify", "--tenant", tenant, "--connection", db.AppConnectionString))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("prove nothing against someone who can write to it");
        (await LedgerRun.RunAsync("verify", "--tenant", tenant, "--strict", "--connection", db.AppConnectionString))
            .ShouldExitWith(ExitCodes.UsageError);
        var run = await ShouldFailAt(VerifyAsync(tenant), tenant, 10);
        run.ShouldContain($"checkpoint signed by unknown key {forger.KeyId}");
        // A digest from the board minutes catches it even while trusting the database's keys.
        (await ShouldFailAt(LedgerRun.RunAsync("verify", "--since-digest", digest, "--connection", db.AppConnectionString), tenant, 20))
            .ShouldContain("the events 1..20 no longer have the root of the tree head kept outside the ledger");
    }

    /// <summary>
    /// A forger's rewrite: event 7's data changed and every later link recomputed, so the chain is
    /// consistent again. Returns the SQL and every event hash of the rewritten chain.
    /// </summary>
    async Task<(List<string> Sql, List<byte[]> Hashes)> RehashedFromSeventhAsync(string tenant)
    {
        var events = await db.Store().ReadTenantAsync(tenant).ToListAsync();
        var sql = new List<string>();
        var previous = events[5].Hash;
        var hashes = events.Take(6).Select(e => e.Hash).ToList();
        foreach (var e in events.Skip(6))
        {
            var changed = e.ChainPosition == 7 ? e with { Data = e.Data.Replace("\"3\"", "\"4\"", StringComparison.Ordinal) } : e;
            var rehashed = Rehashed(changed, previous);
            sql.Add($"UPDATE marten.mt_events SET data = '{changed.Data}'::jsonb WHERE seq_id = {EventAt(tenant, e.ChainPosition)}");
            sql.Add($"""
                UPDATE ledger.chain SET prev_hash = '\x{Convert.ToHexString(rehashed.PreviousHash)}', hash = '\x{Convert.ToHexString(rehashed.Hash)}'
                 WHERE tenant = '{tenant}' AND chain_position = {e.ChainPosition}
                """);
            previous = rehashed.Hash;
            hashes.Add(rehashed.Hash);
        }
        return (sql, hashes);
    }

    /// <summary>The governors' digest as <c>ledger digest</c> prints it.</summary>
    async Task<string> DigestAsync(string tenant)
    {
        var run = (await LedgerRun.RunAsync("digest", "--tenant", tenant, "--connection", db.AppConnectionString)).ShouldExitWith(ExitCodes.Success);
        return run.Output;
    }

    [Fact]
    public async Task Deleting_the_last_events_and_rewriting_the_head_is_caught_by_the_streams_recorded_versions()
    {
        const string tenant = "149004";
        await SeedVerifiedAsync(tenant);

        // Events after the last checkpoint (20): two appended, then deleted with their chain rows, so the head moves back.
        await SampleLedger.SeedAsync(db, tenant, key, from: 10, to: 11);
        await TamperAsync($"""
            DELETE FROM marten.mt_events WHERE seq_id IN (SELECT seq_id FROM ledger.chain WHERE tenant = '{tenant}' AND chain_position > 20);
            DELETE FROM ledger.chain WHERE tenant = '{tenant}' AND chain_position > 20
            """);

        (await ShouldFailAt(VerifyAsync(tenant), tenant, 21))
            .ShouldContain("but its events end at version")
            .ShouldContain("events were removed");
    }

    [Theory]
    [InlineData("149006", "correlation_id = ''")]
    [InlineData("149007", "causation_id = ''")]
    [InlineData("149008", "headers = '{\"commandId\": \"\"}'::jsonb")]
    public async Task An_absent_value_made_empty_is_caught_though_both_hash_alike(string tenant, string change)
    {
        await SeedVerifiedAsync(tenant);
        // Event 21: no correlation, causation or command id (NULL), as a system append writes.
        await db.Store().AppendAsync(new AppendRequest(tenant, "person-9", "person", ExpectedVersion.Any,
            [new NewEvent("person.left.v1", """{"personId":"9"}""")], new EventMetadata("system:test")));
        await TamperAsync($"UPDATE marten.mt_events SET {change} WHERE seq_id = {EventAt(tenant, 21)}");

        (await ShouldFailAt(VerifyAsync(tenant), tenant, 21)).ShouldContain("which no append writes").ShouldNotContain("hash mismatch");
    }

    [Fact]
    public async Task A_stream_version_skipped_is_reported_where_it_skips()
    {
        const string tenant = "149005";
        await SeedVerifiedAsync(tenant);

        await TamperAsync($"UPDATE marten.mt_events SET version = version + 100 WHERE seq_id = {EventAt(tenant, 19)}");

        (await ShouldFailAt(VerifyAsync(tenant), tenant, 19)).ShouldContain("goes from version");
    }

    [Fact]
    public async Task An_earlier_digest_verifies_after_more_appends_with_a_consistency_proof()
    {
        const string tenant = "149001";
        await SampleLedger.SeedAsync(db, tenant, key, to: 5);
        var digest = await DigestAsync(tenant);
        Assert.Contains($"ComplianceLedger digest for school URN {tenant}", digest, StringComparison.Ordinal);
        await SampleLedger.SeedAsync(db, tenant, key, from: 5, to: 10);

        (await VerifyAsync(tenant, "--since-digest", digest))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain($"tenant {tenant}: 20 events, 2 checkpoints: OK")
            .ShouldContain("(10 events): consistency proof to 20 (")
            .ShouldContain(") verified");
    }

    [Fact]
    public async Task An_earlier_digest_fails_when_the_last_events_and_the_checkpoint_covering_them_are_deleted()
    {
        const string tenant = "149002";
        await SeedVerifiedAsync(tenant);
        var digest = await DigestAsync(tenant);

        // Events 15..20 gone, with the tree head at 20 that covered them and the streams' versions set back:
        // the ledger alone still holds together.
        await TamperAsync($"""
            DELETE FROM ledger.checkpoints WHERE tenant = '{tenant}' AND position = 20;
            DELETE FROM marten.mt_events WHERE seq_id IN (SELECT seq_id FROM ledger.chain WHERE tenant = '{tenant}' AND chain_position >= 15);
            DELETE FROM ledger.chain WHERE tenant = '{tenant}' AND chain_position >= 15;
            UPDATE marten.mt_streams s SET version = (SELECT max(e.version) FROM marten.mt_events e WHERE e.tenant_id = s.tenant_id AND e.stream_id = s.id)
             WHERE s.tenant_id = '{tenant}'
            """);
        (await VerifyAsync(tenant)).ShouldExitWith(ExitCodes.Success).ShouldContain($"tenant {tenant}: 14 events, 1 checkpoint: OK");

        (await ShouldFailAt(VerifyAsync(tenant, "--since-digest", digest), tenant, 15))
            .ShouldContain("the ledger ends at position 14, but a tree head kept outside it")
            .ShouldContain("covers 20 events: events were removed");
    }

    [Fact]
    public async Task A_digest_altered_after_it_was_printed_fails_and_a_digest_nothing_like_one_is_a_usage_error()
    {
        const string tenant = "149003";
        await SeedVerifiedAsync(tenant);
        var digest = await DigestAsync(tenant);
        var altered = digest.Replace("Events: 20", "Events: 19", StringComparison.Ordinal);

        (await ShouldFailAt(VerifyAsync(tenant, "--since-digest", altered), tenant, 19))
            .ShouldContain("has a signature that does not verify");
        (await VerifyAsync(tenant, "--since-digest", "the minutes of 3 March"))
            .ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain("No digest found");
    }

    [Theory]
    [InlineData("145002", "position = 9", 9)]
    [InlineData("145003", "issued_at = issued_at + interval '1 day'", 10)]
    [InlineData("145004", "tree_root = sha256(tree_root)", 10)]
    public async Task Verify_reports_the_first_bad_position_when_a_checkpoint_is_altered(string tenant, string change, long position)
    {
        await SeedVerifiedAsync(tenant);

        await TamperAsync($"UPDATE ledger.checkpoints SET {change} WHERE tenant = '{tenant}' AND position = 10");

        var run = await ShouldFailAt(VerifyAsync(tenant), tenant, position);
        run.ShouldContain("checkpoint signature does not verify");
    }

    [Fact]
    public async Task Verify_reports_a_changed_copy_of_the_head_hash_beside_a_signed_tree_head()
    {
        const string tenant = "145001";
        await SeedVerifiedAsync(tenant);

        await TamperAsync($"UPDATE ledger.checkpoints SET head_hash = sha256(head_hash) WHERE tenant = '{tenant}' AND position = 10");

        var run = await ShouldFailAt(VerifyAsync(tenant), tenant, 10);
        run.ShouldContain("the checkpoint's head hash (a copy: the tree root is what is signed) differs from the chain's hash here");
    }

    [Fact]
    public async Task Verify_reports_a_checkpoint_signed_by_a_key_that_was_not_given()
    {
        const string tenant = "146001";
        await SampleLedger.SeedAsync(db, tenant, key, from: 0, to: 5);
        using var otherKey = SampleLedger.NewKey();
        await SampleLedger.SeedAsync(db, tenant, otherKey, from: 5, to: 10);

        var run = await ShouldFailAt(VerifyAsync(tenant), tenant, 20);
        run.ShouldContain($"checkpoint signed by unknown key {otherKey.KeyId}");

        var otherKeyFile = SampleLedger.WritePublicKeyFile(otherKey);
        files.Add(otherKeyFile);
        (await VerifyAsync(tenant, "--public-key", otherKeyFile))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain($"tenant {tenant}: 20 events, 2 checkpoints: OK");
    }

    [Fact]
    public async Task Verify_reports_a_tenant_whose_chain_head_was_removed()
    {
        const string tenant = "147001";
        await SeedVerifiedAsync(tenant);

        await TamperAsync($"DELETE FROM ledger.chain_tenants WHERE tenant = '{tenant}'");

        var run = await ShouldFailAt(VerifyAsync(tenant), tenant, 20);
        run.ShouldContain("no chain head is recorded");
    }

    [Fact]
    public async Task A_forged_signing_key_in_the_database_makes_its_checkpoints_fail_rather_than_crash_the_verifier()
    {
        const string tenant = "148001";
        await SeedVerifiedAsync(tenant);
        byte[] garbage = [1, 2, 3, 4];
        var garbageId = SigningKey.KeyIdOf(garbage);

        await TamperAsync($"""
            INSERT INTO ledger.signing_keys (key_id, public_key, first_used) VALUES ('{garbageId}', '\x01020304', now());
            UPDATE ledger.checkpoints SET key_id = '{garbageId}' WHERE tenant = '{tenant}' AND position = 10
            """);

        // Without --public-key the recorded keys, the forged one among them, are what is trusted.
        var run = await ShouldFailAt(
            LedgerRun.RunAsync("verify", "--tenant", tenant, "--connection", db.AppConnectionString), tenant, 10);
        run.ShouldContain("checkpoint signature does not verify");
    }

    /// <summary>
    /// Makes room at <paramref name="position"/> and forges a plausible event there: a copy of the
    /// event it displaced under a new stream, correctly linked to its predecessor, with a made-up hash.
    /// </summary>
    static string InsertForgedAt(string tenant, long position) => $"""
        {ShiftUpFrom(tenant, position)};
        {ForgeEvent(tenant, position + 1, "gen_random_uuid()")};
        INSERT INTO ledger.chain (tenant, chain_position, seq_id, prev_hash, hash)
             SELECT tenant, {position}, currval('marten.mt_events_sequence'), prev_hash, sha256(hash)
               FROM ledger.chain WHERE tenant = '{tenant}' AND chain_position = {position + 1}
        """;

    /// <summary>The Marten row of the event at <paramref name="position"/> of the school's chain.</summary>
    static string EventAt(string tenant, long position) =>
        $"(SELECT seq_id FROM ledger.chain WHERE tenant = '{tenant}' AND chain_position = {position})";

    /// <summary>Inserts into Marten's table a copy of the event at <paramref name="position"/> as the first of a new stream, with no chain row.</summary>
    static string ForgeEvent(string tenant, long position, string eventId) => $"""
        INSERT INTO marten.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type,
                                      correlation_id, causation_id, headers, user_name)
        SELECT nextval('marten.mt_events_sequence'), {eventId}, 'person-forged', 1, data, type, timestamp, tenant_id, mt_dotnet_type,
               correlation_id, causation_id, NULL, user_name
          FROM marten.mt_events WHERE seq_id = {EventAt(tenant, position)}
        """;

    /// <summary>Moves every event from <paramref name="position"/> up by one, via negative positions so the primary key never clashes.</summary>
    static string ShiftUpFrom(string tenant, long position) => $"""
        UPDATE ledger.chain SET chain_position = -(chain_position + 1) WHERE tenant = '{tenant}' AND chain_position >= {position};
        UPDATE ledger.chain SET chain_position = -chain_position WHERE tenant = '{tenant}' AND chain_position < 0
        """;

    /// <summary>The event with the hashes an honest append at its place, after <paramref name="previousHash"/>, would have given it.</summary>
    static StoredEvent Rehashed(StoredEvent e, byte[] previousHash)
    {
        var digest = ChainHash.Digest(new EventContent(e.Tenant, e.StreamId, e.EventId, e.EventType, CanonicalJson.Canonicalize(e.Data),
            e.Actor, e.CorrelationId, e.CausationId, e.CommandId, e.RecordedAt));
        return e with { PreviousHash = previousHash, Hash = ChainHash.Link(previousHash, e.ChainPosition, e.StreamVersion, digest) };
    }
}
