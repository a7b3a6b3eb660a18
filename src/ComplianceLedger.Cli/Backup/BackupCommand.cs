using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ComplianceLedger.Cli.Verify;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.LocalPostgres;
using Npgsql;

namespace ComplianceLedger.Cli.Backup;

/// <summary>
/// <c>ledger backup --out FILE</c>: a pg_dump of the whole database in custom format, bundled with the
/// checkpoint public keys and every school's chain head, latest signed tree head and governors' digest,
/// all read from the one snapshot the dump is taken from.
/// </summary>
internal static class BackupCommand
{
    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.Option(
            $"Administrative connection string (it must read every table). Default: {DatabaseConnection.LedgerAdminVariable}, " +
            $"then {DatabaseConnection.LedgerVariable}, then the development cluster.");
        var output = new Option<string>("--out")
        {
            Description = "The backup file to write (written as FILE.part, then renamed).",
            HelpName = "file",
            Required = true,
        };
        var publicKeys = new Option<string[]>("--public-key")
        {
            Description = "A PEM file with a checkpoint public key to put in the bundle beside those the database records; repeat for several.",
            HelpName = "file.pem",
        };
        var command = new Command("backup", "Back up the ledger's database, with its public keys, tree heads and digests, to one file.")
        {
            connection, output, publicKeys,
        };
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(connection), parsed.GetValue(output)!, parsed.GetValue(publicKeys) ?? [], ct));
        return command;
    }

    static async Task<int> RunAsync(CliContext context, string? connectionOption, string file, string[] publicKeyFiles, CancellationToken ct)
    {
        // The operator's keys first: a typo there should not wait for a dump.
        var keys = new TrustedKeys();
        foreach (var path in publicKeyFiles)
        {
            keys.AddPublicKeyFile(path);
        }
        if (context.Variable(VerifyCommand.SigningKeyFileVariable) is { } signingKeyFile)
        {
            keys.AddSigningKeyFile(signingKeyFile, VerifyCommand.SigningKeyFileVariable);
        }
        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Administration, ct);
        if (database.DevelopmentDataDirectory is { } directory && File.Exists(DevelopmentData.SigningKeyFile(directory)))
        {
            keys.AddSigningKeyFile(DevelopmentData.SigningKeyFile(directory), "development key");
        }
        context.Out.Line($"Backing up {database.Describe()}");

        var work = Directory.CreateTempSubdirectory("ledger-backup-");
        try
        {
            // The snapshot is exported and held open while pg_dump reads it, so the tree heads and
            // digests beside the dump describe exactly the ledger inside it.
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            var snapshot = (string)(await Scalar(connection, tx, "SELECT pg_export_snapshot()", ct))!;
            var serverVersion = (string)(await Scalar(connection, tx, "SHOW server_version", ct))!;
            var schools = await SchoolsAsync(connection, tx, ct);
            var names = await SchoolNamesAsync(connection, tx, ct);
            keys.AddRecorded(await RecordedKeysAsync(connection, tx, ct));

            var (args, environment) = PostgresTools.Connection(database.ConnectionString);
            await PostgresTools.RunAsync("pg_dump",
                [.. args, "--format=custom", "--snapshot", snapshot, "--file", Path.Combine(work.FullName, BackupBundle.DumpName),
                 "--dbname", PostgresTools.Database(database.ConnectionString)],
                environment, ct);
            await tx.CommitAsync(ct);

            var pem = new StringBuilder();
            foreach (var spki in keys.Keys.Values)
            {
                pem.Append(System.Security.Cryptography.PemEncoding.WriteString("PUBLIC KEY", spki)).Append('\n');
            }
            await File.WriteAllTextAsync(Path.Combine(work.FullName, BackupBundle.KeysName), pem.ToString(), ct);
            await File.WriteAllBytesAsync(Path.Combine(work.FullName, BackupBundle.SchoolsName),
                JsonSerializer.SerializeToUtf8Bytes(schools.Select(s => s.School).ToList(), BackupBundle.Json), ct);
            var digests = new StringBuilder();
            foreach (var (_, head) in schools)
            {
                if (head is not null)
                {
                    digests.Append(head.ToDigest(names.GetValueOrDefault(head.Tenant))).Append('\n');
                }
            }
            await File.WriteAllTextAsync(Path.Combine(work.FullName, BackupBundle.DigestsName), digests.ToString(), ct);

            var parts = new List<BundlePart>();
            foreach (var name in BackupBundle.PartNames)
            {
                parts.Add(await BackupBundle.DescribeAsync(work.FullName, name, ct));
            }
            var manifest = new BundleManifest(BackupBundle.Format, TimeProvider.System.GetUtcNow(), database.Describe(), serverVersion, parts,
                [.. keys.Sources.Select(s => new BundleKey(s.KeyId, s.Source))]);
            await BackupBundle.WriteAsync(file, work.FullName, manifest, ct);

            foreach (var (school, head) in schools)
            {
                context.Out.Line(string.Create(CultureInfo.InvariantCulture, $"school {school.Tenant}: {ConsoleLines.Count(school.ChainPosition, "event")}, ") +
                    (head is null ? "no signed tree head yet" : string.Create(CultureInfo.InvariantCulture, $"tree head of {head.TreeSize} signed {EventStore.Chain.ChainHash.FormatTimestamp(head.IssuedAt)}")));
            }
            var dump = parts[0];
            context.Out.Line(($"Backed up {ConsoleLines.Count(schools.Count, "school")} and {ConsoleLines.Count(keys.Count, "public key")} to {Path.GetFullPath(file)} ", null),
                (string.Create(CultureInfo.InvariantCulture, $"(dump {dump.Bytes} bytes, SHA-256 {dump.Sha256})"), null));
            context.Out.Line("The file holds the subject keys of personal data: keep it as securely as the database, and no longer than the retention schedule allows.", "yellow");
            return ExitCodes.Success;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    static async Task<object?> Scalar(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        return await command.ExecuteScalarAsync(ct);
    }

    /// <summary>Every school with a chain, its head, and its latest format 2 checkpoint (a tree head), as the snapshot holds them.</summary>
    static async Task<List<(BundleSchool School, TreeHead? Head)>> SchoolsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT h.tenant, h.position, h.hash, c.position, c.head_hash, c.issued_at, c.key_id, c.signature, c.tree_root
              FROM ledger.chain_heads h
              LEFT JOIN LATERAL (SELECT * FROM ledger.checkpoints k WHERE k.tenant = h.tenant AND k.tree_root IS NOT NULL
                                  ORDER BY k.position DESC LIMIT 1) c ON true
             ORDER BY h.tenant
            """, connection, tx);
        var schools = new List<(BundleSchool, TreeHead?)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var tenant = reader.GetString(0);
            TreeHead? head = null;
            if (!reader.IsDBNull(3))
            {
                head = new TreeHead(tenant, reader.GetInt64(3), reader.GetFieldValue<byte[]>(8), reader.GetFieldValue<DateTimeOffset>(5),
                    reader.GetString(6), reader.GetFieldValue<byte[]>(7));
            }
            schools.Add((new BundleSchool(tenant, reader.GetInt64(1), Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(2)), Describe(head)), head));
        }
        return schools;
    }

    public static BundleTreeHead? Describe(TreeHead? head) => head is null
        ? null
        : new BundleTreeHead(head.TreeSize, Convert.ToHexStringLower(head.Root), head.IssuedAt, head.KeyId, Convert.ToHexStringLower(head.Signature));

    static async Task<Dictionary<string, string>> SchoolNamesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!(bool)(await Scalar(connection, tx, "SELECT to_regclass('rm.schools') IS NOT NULL", ct))!)
        {
            return names;
        }
        await using var command = new NpgsqlCommand("SELECT tenant, name FROM rm.schools WHERE name IS NOT NULL", connection, tx);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            names[reader.GetString(0)] = reader.GetString(1);
        }
        return names;
    }

    static async Task<Dictionary<string, byte[]>> RecordedKeysAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT public_key FROM ledger.signing_keys", connection, tx);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = reader.GetFieldValue<byte[]>(0);
            keys[SigningKey.KeyIdOf(key)] = key;
        }
        return keys;
    }
}
