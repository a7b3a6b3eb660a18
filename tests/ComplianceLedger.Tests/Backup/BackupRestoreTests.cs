using ComplianceLedger.Cli;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.Verification;
using Npgsql;

namespace ComplianceLedger.Tests.Backup;

/// <summary>
/// A ledger of three schools: a governors' digest of one taken, more events recorded after it, and
/// then backed up with <c>ledger backup</c>. Subject keys are in it too, one of them shredded.
/// </summary>
public sealed class BackedUpLedger : IAsyncLifetime
{
    public LedgerDatabase Source { get; } = new();
    public string PublicKeyFile { get; private set; } = "";
    public string BundleFile { get; } = Path.Combine(Path.GetTempPath(), $"ledger-backup-{Guid.NewGuid():N}.clbackup");

    /// <summary>School 170001's digest, taken before its last ten events and before the backup.</summary>
    public string DigestBefore { get; private set; } = "";

    public LedgerRun Backup { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Source.InitializeAsync();
        using var key = SampleLedger.NewKey();
        PublicKeyFile = SampleLedger.WritePublicKeyFile(key);
        await SampleLedger.SeedAsync(Source, "170001", key, from: 0, to: 5);
        DigestBefore = (await LedgerRun.RunAsync("digest", "--tenant", "170001", "--connection", Source.AppConnectionString))
            .ShouldExitWith(ExitCodes.Success).ShouldContain("Events: 10").Output;

        await SampleLedger.SeedAsync(Source, "170001", key, from: 5, to: 10);
        await SampleLedger.SeedAsync(Source, "170002", key, from: 0, to: 5);
        await SampleLedger.SeedAsync(Source, "170003", key, from: 0, to: 2);
        await using (var keys = Source.AppDataSource.CreateCommand("""
            INSERT INTO ledger.subject_keys (tenant, subject_id, key, created_at)
            VALUES ('170001', gen_random_uuid(), decode(md5(random()::text) || md5(random()::text), 'hex'), now()), ('170002', gen_random_uuid(), decode(md5(random()::text) || md5(random()::text), 'hex'), now());
            UPDATE ledger.subject_keys SET key = NULL, shredded_at = now(), shredded_by = 'retention' WHERE tenant = '170002';
            """))
        {
            await keys.ExecuteNonQueryAsync();
        }

        Backup = await LedgerRun.RunAsync("backup", "--out", BundleFile, "--public-key", PublicKeyFile, "--connection", Source.AdminConnectionString);
    }

    /// <summary>A new, empty database on the test server, dropped when the returned handle is disposed.</summary>
    public async Task<ScratchDatabase> ScratchAsync()
    {
        var scratch = new ScratchDatabase(Source.Server, $"ledger_restore_{Guid.NewGuid():N}");
        await Source.Server.CatalogLock.WaitAsync();
        try
        {
            await Source.Server.CreateDatabaseAsync(scratch.Name);
        }
        finally
        {
            Source.Server.CatalogLock.Release();
        }
        return scratch;
    }

    public async Task DisposeAsync()
    {
        File.Delete(BundleFile);
        File.Delete(PublicKeyFile);
        await Source.DisposeAsync();
    }
}

public sealed class ScratchDatabase(PostgresServer server, string name) : IAsyncDisposable
{
    public string Name { get; } = name;
    public string AdminConnectionString => server.AdminConnectionString(Name);
    public string AppConnectionString => server.AppConnectionString(Name);

    public async ValueTask DisposeAsync()
    {
        await server.CatalogLock.WaitAsync();
        try
        {
            await server.DropDatabaseAsync(Name);
        }
        finally
        {
            server.CatalogLock.Release();
        }
    }
}

/// <summary><c>ledger backup</c> and <c>ledger restore</c>: the round trip into a scratch database, and what restore refuses.</summary>
public sealed class BackupRestoreTests(BackedUpLedger ledger) : IClassFixture<BackedUpLedger>
{
    [Fact]
    public void The_backup_lists_every_school_and_warns_that_it_holds_subject_keys()
    {
        ledger.Backup.ShouldExitWith(ExitCodes.Success)
            .ShouldContain("school 170001: 20 events, tree head of 20 signed")
            .ShouldContain("school 170002: 10 events, tree head of 10 signed")
            .ShouldContain("school 170003: 4 events, no signed tree head yet")
            .ShouldContain("Backed up 3 schools and 1 public key")
            .ShouldContain("holds the subject keys");
        Assert.True(File.Exists(ledger.BundleFile));
        Assert.False(File.Exists(ledger.BundleFile + ".part"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ledger.BundleFile));
        }
    }

    [Fact]
    public async Task A_restore_into_a_scratch_database_verifies_from_the_digest_taken_before_and_equals_the_source()
    {
        ledger.Backup.ShouldExitWith(ExitCodes.Success);
        await using var scratch = await ledger.ScratchAsync();

        (await LedgerRun.RunAsync("restore", ledger.BundleFile, "--target", scratch.AdminConnectionString))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("every part matches its manifest")
            .ShouldContain("school 170001: 20 events, 2 checkpoints verify; chain head and tree head as backed up, grew only from the backup's digest: OK")
            .ShouldContain("school 170003: 4 events, 0 checkpoints verify; chain head and tree head as backed up: OK")
            .ShouldContain("3 schools restored");

        // As an operator would, on the restored database as the app role, with the key kept outside it.
        (await LedgerRun.RunAsync("verify", "--since-digest", ledger.DigestBefore, "--public-key", ledger.PublicKeyFile, "--strict",
                "--connection", scratch.AppConnectionString))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("tenant 170001: 20 events, 2 checkpoints: OK")
            .ShouldContain("grew only from the digest of")
            .ShouldContain("consistency proof to 20")
            .ShouldContain("verified");

        await using var source = NpgsqlDataSource.Create(ledger.Source.AdminConnectionString);
        await using var restored = NpgsqlDataSource.Create(scratch.AdminConnectionString);
        const string events = "SELECT tenant, chain_position, encode(hash, 'hex'), data::text FROM ledger.events ORDER BY tenant, chain_position";
        var sourceEvents = await RowsAsync(source, events);
        Assert.Equal(34, sourceEvents.Count);
        Assert.Equal(sourceEvents, await RowsAsync(restored, events));
        const string keys = "SELECT tenant, subject_id::text, encode(key, 'hex') FROM ledger.subject_keys ORDER BY tenant, subject_id";
        var sourceKeys = await RowsAsync(source, keys);
        Assert.Equal(2, sourceKeys.Count);
        Assert.Equal(sourceKeys, await RowsAsync(restored, keys));

        // Owners and grants came back: the owner's migrate has nothing to do, the app role appends,
        // and the append-only guard still refuses a rewrite.
        (await LedgerRun.RunAsync("migrate", "--connection", scratch.AdminConnectionString))
            .ShouldExitWith(ExitCodes.Success).ShouldContain("The schema is up to date");
        await using var app = NpgsqlDataSource.Create(scratch.AppConnectionString);
        await new LedgerStore(app, TimeProvider.System).AppendAsync(new AppendRequest("170003", "person-9", "person", ExpectedVersion.Any,
            [new NewEvent("policy.acknowledged.v1", """{"policyId":"social-media","version":"3","read":99}""")],
            new EventMetadata("person:head-1", "corr-restored", "cause-restored", "cmd-restored")));
        Assert.Equal(5L, await ScalarAsync(restored, "SELECT position FROM ledger.chain_heads WHERE tenant = '170003'"));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(restored, "DELETE FROM marten.mt_events"));
        Assert.Equal("LDG10", refused.SqlState);
        (await LedgerRun.RunAsync("verify", "--public-key", ledger.PublicKeyFile, "--connection", scratch.AppConnectionString))
            .ShouldExitWith(ExitCodes.Success).ShouldContain("3 tenants, 35 events, 3 checkpoints: all hold");
    }

    [Fact]
    public async Task A_bundle_with_one_byte_changed_is_refused_naming_the_part()
    {
        var bytes = await File.ReadAllBytesAsync(ledger.BundleFile);
        var dump = bytes.AsSpan().IndexOf("PGDMP"u8);
        Assert.True(dump > 0, "the custom-format dump's signature is in the bundle");
        bytes[dump + 300] ^= 0x01;
        var changed = Path.Combine(Path.GetTempPath(), $"ledger-backup-changed-{Guid.NewGuid():N}.clbackup");
        await File.WriteAllBytesAsync(changed, bytes);
        await using var scratch = await ledger.ScratchAsync();
        try
        {
            (await LedgerRun.RunAsync("restore", changed, "--target", scratch.AdminConnectionString))
                .ShouldExitWith(ExitCodes.ProblemsFound)
                .ShouldContain("The backup's part ledger.dump is not what its manifest recorded")
                .ShouldContain("Nothing was restored");
            await using var target = NpgsqlDataSource.Create(scratch.AdminConnectionString);
            Assert.Equal(0L, await ScalarAsync(target, "SELECT count(*) FROM pg_namespace WHERE nspname IN ('ledger', 'marten')"));
        }
        finally
        {
            File.Delete(changed);
        }
    }

    [Fact]
    public async Task A_restore_into_a_database_that_holds_a_ledger_is_refused_and_leaves_it_as_it_was()
    {
        var before = await ledger.Source.CountEventsAsync();
        (await LedgerRun.RunAsync("restore", ledger.BundleFile, "--target", ledger.Source.AdminConnectionString))
            .ShouldExitWith(ExitCodes.ProblemsFound)
            .ShouldContain("The target database is not empty (schemas: ")
            .ShouldContain("ledger")
            .ShouldContain("nothing was restored");
        Assert.Equal(before, await ledger.Source.CountEventsAsync());
    }

    [Fact]
    public async Task A_restore_whose_ledger_differs_from_the_bundles_tree_heads_exits_1_naming_the_school()
    {
        // A bundle sealed consistently (its manifest rehashed) whose tree heads claim one more event
        // for 170002 than its dump holds: what a backup of a ledger cut short would look like.
        var resealed = Path.Combine(Path.GetTempPath(), $"ledger-backup-resealed-{Guid.NewGuid():N}.clbackup");
        await ResealAsync(ledger.BundleFile, resealed, "tree-heads.json", json => json.Replace(
            "\"tenant\": \"170002\",\n    \"chainPosition\": 10,", "\"tenant\": \"170002\",\n    \"chainPosition\": 11,", StringComparison.Ordinal));
        await using var scratch = await ledger.ScratchAsync();
        try
        {
            (await LedgerRun.RunAsync("restore", resealed, "--target", scratch.AdminConnectionString))
                .ShouldExitWith(ExitCodes.ProblemsFound)
                .ShouldContain("every part matches its manifest")
                .ShouldContain("school 170001: 20 events, 2 checkpoints verify; chain head and tree head as backed up, grew only from the backup's digest: OK")
                .ShouldContain("school 170002: MISMATCH: its chain head is position 10, ")
                .ShouldContain("the backup's is position 11, ")
                .ShouldContain("1 of 3 schools: the restored ledger DOES NOT MATCH the backup.")
                .ShouldNotContain("3 schools restored");
        }
        finally
        {
            File.Delete(resealed);
        }
    }

    [Fact]
    public async Task A_ledger_that_never_signed_a_checkpoint_backs_up_and_restores_with_empty_key_and_digest_parts()
    {
        var unsigned = new LedgerDatabase();
        await unsigned.InitializeAsync();
        var bundle = Path.Combine(Path.GetTempPath(), $"ledger-backup-unsigned-{Guid.NewGuid():N}.clbackup");
        try
        {
            await unsigned.Store().AppendAsync(new AppendRequest("170009", "person-1", "person", ExpectedVersion.Any,
                [new NewEvent("policy.acknowledged.v1", """{"policyId":"social-media","version":"3","read":1}""")],
                new EventMetadata("person:head-1", "corr-1", "cause-1", "cmd-1")));
            (await LedgerRun.RunAsync(new Dictionary<string, string?> { ["ConnectionStrings__Ledger"] = unsigned.AdminConnectionString }, "backup", "--out", bundle))
                .ShouldExitWith(ExitCodes.Success)
                .ShouldContain("(ConnectionStrings__Ledger)")
                .ShouldContain("school 170009: 1 event, no signed tree head yet")
                .ShouldContain("Backed up 1 school and 0 public keys");
            await using var scratch = await ledger.ScratchAsync();
            (await LedgerRun.RunAsync("restore", bundle, "--target", scratch.AdminConnectionString))
                .ShouldExitWith(ExitCodes.Success)
                .ShouldContain("(--target)")
                .ShouldContain("school 170009: 1 event, 0 checkpoints verify; chain head and tree head as backed up: OK")
                .ShouldContain("1 school restored");
        }
        finally
        {
            File.Delete(bundle);
            await unsigned.DisposeAsync();
        }
    }

    /// <summary>Copies the bundle with one part's text changed and the manifest's hashes made to match again.</summary>
    static async Task ResealAsync(string from, string to, string part, Func<string, string> change)
    {
        var parts = new List<(string Name, byte[] Data)>();
        await using (var input = File.OpenRead(from))
        await using (var reader = new System.Formats.Tar.TarReader(input))
        {
            while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
            {
                using var data = new MemoryStream();
                await entry.DataStream!.CopyToAsync(data);
                parts.Add((entry.Name, data.ToArray()));
            }
        }
        var original = System.Text.Encoding.UTF8.GetString(parts.Single(p => p.Name == part).Data);
        var changed = change(original);
        Assert.NotEqual(original, changed);
        var bytes = System.Text.Encoding.UTF8.GetBytes(changed);
        parts[parts.FindIndex(p => p.Name == part)] = (part, bytes);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(parts.Single(p => p.Name == "manifest.json").Data)!;
        foreach (var entry in manifest["parts"]!.AsArray())
        {
            if ((string?)entry!["name"] == part)
            {
                entry["bytes"] = bytes.Length;
                entry["sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            }
        }
        parts[parts.FindIndex(p => p.Name == "manifest.json")] = ("manifest.json", System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        await using var output = File.Create(to);
        await using var writer = new System.Formats.Tar.TarWriter(output);
        foreach (var (name, data) in parts)
        {
            await writer.WriteEntryAsync(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }
    }

    static async Task<List<string>> RowsAsync(NpgsqlDataSource dataSource, string sql)
    {
        var rows = new List<string>();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : reader.GetValue(i).ToString())));
        }
        return rows;
    }

    static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }
}
