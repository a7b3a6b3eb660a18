using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ComplianceLedger.Cli.Verify;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Migrations;
using ComplianceLedger.EventStore.Verification;
using Npgsql;

namespace ComplianceLedger.Cli.Backup;

/// <summary>
/// <c>ledger restore FILE [--target CONNSTRING]</c>: checks the bundle against its manifest, restores
/// its dump into an empty database (roles, owners and grants as the source had them, so the app role
/// and <c>ledger migrate</c> work on it), then verifies every school's chain, from the digests taken
/// at backup, and compares each chain head and tree head with the bundle's. Exit 1 on any mismatch.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "The backup file written by `ledger backup`." };
        var target = new Option<string?>("--target")
        {
            Description = $"Administrative connection string of the database to restore into (a superuser's, ideally). " +
                          $"Default: {DatabaseConnection.LedgerAdminVariable}, then {DatabaseConnection.LedgerVariable}, then the development cluster.",
            HelpName = "connection-string",
        };
        var force = new Option<bool>("--force") { Description = "Restore even into a database that holds objects: every schema in it is dropped first." };
        var publicKeys = new Option<string[]>("--public-key")
        {
            Description = "A PEM file with a checkpoint public key to trust instead of the keys inside the bundle; repeat for several.",
            HelpName = "file.pem",
        };
        var command = new Command("restore", "Restore a backup into an empty database and verify it against the backup's tree heads and digests.")
        {
            file, target, force, publicKeys,
        };
        command.SetAction((parsed, ct) => RunAsync(
            context, parsed.GetValue(file)!, parsed.GetValue(target), parsed.GetValue(force), parsed.GetValue(publicKeys) ?? [], ct));
        return command;
    }

    static async Task<int> RunAsync(CliContext context, string file, string? targetOption, bool force, string[] publicKeyFiles, CancellationToken ct)
    {
        var trusted = new TrustedKeys();
        foreach (var path in publicKeyFiles)
        {
            trusted.AddPublicKeyFile(path);
        }
        var work = Directory.CreateTempSubdirectory("ledger-restore-");
        try
        {
            var manifest = await BackupBundle.OpenAsync(file, work.FullName, ct);
            context.Out.Line(string.Create(CultureInfo.InvariantCulture,
                $"The backup of {manifest.CreatedAt:yyyy-MM-dd HH:mm:ss}Z ({manifest.Database}, PostgreSQL {manifest.ServerVersion}): every part matches its manifest."));
            var schools = JsonSerializer.Deserialize<List<BundleSchool>>(
                await File.ReadAllBytesAsync(Path.Combine(work.FullName, BackupBundle.SchoolsName), ct), BackupBundle.Json) ?? [];
            var digestText = await File.ReadAllTextAsync(Path.Combine(work.FullName, BackupBundle.DigestsName), ct);
            IReadOnlyList<TreeHead> digests = string.IsNullOrWhiteSpace(digestText) ? [] : TreeHead.ParseDigests(digestText);
            var bundledKeys = await File.ReadAllTextAsync(Path.Combine(work.FullName, BackupBundle.KeysName), ct);
            if (trusted.Count == 0 && !string.IsNullOrWhiteSpace(bundledKeys))
            {
                // A ledger that never signed a checkpoint has no key to bundle.
                trusted.AddPublicKeyText(bundledKeys, "in the backup");
            }

            var database = string.IsNullOrWhiteSpace(targetOption)
                ? await DatabaseConnection.ResolveAsync(context, null, ConnectionPurpose.Administration, ct)
                : Target(targetOption);
            context.Out.Line($"Restoring into {database.Describe()}");
            var dump = Path.Combine(work.FullName, BackupBundle.DumpName);
            await PrepareTargetAsync(context, database.ConnectionString, force, await OwnersAsync(dump, ct), ct);

            var (args, environment) = PostgresTools.Connection(database.ConnectionString);
            await PostgresTools.RunAsync("pg_restore",
                [.. args, "--dbname", PostgresTools.Database(database.ConnectionString), "--single-transaction", "--exit-on-error",
                 dump],
                environment, ct);
            await using (var dataSource = NpgsqlDataSource.Create(database.ConnectionString))
            {
                // pg_restore leaves the planner without statistics; the checks below and the app want them.
                await using (var analyze = dataSource.CreateCommand("ANALYZE"))
                {
                    analyze.CommandTimeout = 0;
                    await analyze.ExecuteNonQueryAsync(ct);
                }
                context.Out.Line("Restored the dump; checking every school against the backup's tree heads and digests.");
                var failed = await CheckAsync(context, dataSource, schools, digests, trusted, ct);
                if (failed > 0)
                {
                    context.Out.Line((string.Create(CultureInfo.InvariantCulture, $"{failed} of {ConsoleLines.Count(Math.Max(schools.Count, failed), "school")}: "), null),
                        ("the restored ledger DOES NOT MATCH the backup.", "red bold"));
                    return ExitCodes.ProblemsFound;
                }
            }
            context.Out.Line(($"{ConsoleLines.Count(schools.Count, "school")} restored: ", null),
                ("every chain verifies and every chain head and tree head is as backed up.", "green bold"));
            context.Out.Line("Next: `ledger migrate` against this database brings its schema up to this release (and sets the ledger_app password on a new cluster).");
            return ExitCodes.Success;
        }
        catch (FormatException e)
        {
            throw new CliException($"The backup's {BackupBundle.DigestsName} cannot be read: {e.Message}", ExitCodes.ProblemsFound);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    static DatabaseConnection Target(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"The connection string from --target is not valid: {e.Message}");
        }
        return new DatabaseConnection(connectionString, "--target", null);
    }

    /// <summary>
    /// Refuses a database that holds anything (unless forced, when every schema in it is dropped), then
    /// makes the cluster-wide roles the dump's owners and grants name: roles are not in a database's dump.
    /// </summary>
    static async Task PrepareTargetAsync(CliContext context, string connectionString, bool force, IReadOnlySet<string> owners, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        var occupied = new List<string>();
        await using (var command = new NpgsqlCommand("""
            SELECT n.nspname FROM pg_namespace n
             WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
               AND (n.nspname <> 'public' OR EXISTS (SELECT FROM pg_class c WHERE c.relnamespace = n.oid)
                                          OR EXISTS (SELECT FROM pg_proc p WHERE p.pronamespace = n.oid))
             ORDER BY 1
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                occupied.Add(reader.GetString(0));
            }
        }
        if (occupied.Count > 0)
        {
            if (!force)
            {
                throw new CliException(
                    $"The target database is not empty (schemas: {string.Join(", ", occupied)}); nothing was restored. " +
                    "Restore into a new database (CREATE DATABASE), or pass --force to drop everything in this one first.", ExitCodes.ProblemsFound);
            }
            context.Error.Warning($"--force: dropping the schemas {string.Join(", ", occupied)} and everything in them.");
            await using var tx = await connection.BeginTransactionAsync(ct);
            foreach (var schema in occupied)
            {
                await Execute(connection, tx, $"DROP SCHEMA \"{schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\" CASCADE", ct);
            }
            if (occupied.Contains("public"))
            {
                await Execute(connection, tx, "CREATE SCHEMA public AUTHORIZATION pg_database_owner; GRANT USAGE ON SCHEMA public TO PUBLIC", ct);
            }
            await tx.CommitAsync(ct);
        }
        await using (var roles = new NpgsqlCommand(LedgerMigrator.Scripts.Single(s => s.Number == 1).Sql, connection))
        {
            await roles.ExecuteNonQueryAsync(ct);
        }
        // Any other owner must exist already, or pg_restore would fail half-way through its list.
        await using var lacking = new NpgsqlCommand("SELECT o FROM unnest($1::text[]) o WHERE NOT EXISTS (SELECT FROM pg_roles r WHERE r.rolname = o) ORDER BY 1", connection);
        lacking.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. owners] });
        var missing = new List<string>();
        await using (var reader = await lacking.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                missing.Add(reader.GetString(0));
            }
        }
        if (missing.Count > 0)
        {
            throw new CliException(
                $"The dump's objects are owned by {string.Join(", ", missing)}, which this cluster lacks; nothing was restored. " +
                $"Create {(missing.Count == 1 ? "that role" : "those roles")} first (CREATE ROLE name NOLOGIN), then restore again.", ExitCodes.ProblemsFound);
        }
    }

    /// <summary>The roles owning the dump's objects: the last word of each line of pg_restore's table of contents.</summary>
    static async Task<IReadOnlySet<string>> OwnersAsync(string dump, CancellationToken ct)
    {
        var list = await PostgresTools.RunAsync("pg_restore", ["--list", dump], new Dictionary<string, string>(), ct);
        var owners = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith(';') && line.Split(' ') is { Length: > 4 } words && words[^1] != "-")
            {
                owners.Add(words[^1]);
            }
        }
        return owners;
    }

    static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Verifies each school and compares it with the bundle; returns how many do not match.</summary>
    static async Task<int> CheckAsync(
        CliContext context, NpgsqlDataSource dataSource, List<BundleSchool> schools, IReadOnlyList<TreeHead> digests, TrustedKeys trusted, CancellationToken ct)
    {
        var verifier = new LedgerVerifier(dataSource);
        var restored = await verifier.TenantsAsync(null, ct);
        var failed = 0;
        foreach (var extra in restored.Where(t => schools.All(s => s.Tenant != t.Tenant)))
        {
            failed++;
            context.Out.Line(($"school {extra.Tenant}: ", null), ("MISMATCH", "red bold"), (": restored, but the backup's tree heads do not list it.", null));
        }
        foreach (var missing in schools.Where(s => restored.All(t => t.Tenant != s.Tenant)))
        {
            failed++;
            context.Out.Line(($"school {missing.Tenant}: ", null), ("MISMATCH", "red bold"), (": in the backup's tree heads, but nothing of it was restored.", null));
        }

        var results = new List<TenantVerification>();
        await VerificationRun.VerifyAsync(context.Out, verifier, [.. restored.Where(t => schools.Any(s => s.Tenant == t.Tenant))],
            trusted.Keys, digests, results.Add, ct);
        foreach (var result in results)
        {
            var school = schools.Single(s => s.Tenant == result.Tenant);
            var problems = new List<string>();
            if (!result.Holds)
            {
                var further = result.ProblemsFound > 1 ? $" (and {ConsoleLines.Count(result.ProblemsFound - 1, "further problem")})" : "";
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"its chain does not verify: at position {result.Problems[0].Position}, {result.Problems[0].Problem}{further}"));
            }
            if (result.GrewFrom.FirstOrDefault(g => !g.Holds) is { } broken)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"it did not grow from the backup's digest of {broken.From.TreeSize} events"));
            }
            if (result.Head is not { } head || head.Position != school.ChainPosition || Convert.ToHexStringLower(head.Hash) != school.ChainHash)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"its chain head is {(result.Head is { } h ? $"position {h.Position}, {Convert.ToHexStringLower(h.Hash)}" : "missing")}, " +
                    $"the backup's is position {school.ChainPosition}, {school.ChainHash}"));
            }
            var latest = await CheckpointIssuer.LatestTreeHeadAsync(dataSource, result.Tenant, ct);
            var restoredHead = BackupCommand.Describe(latest?.Head);
            if (restoredHead != school.TreeHead)
            {
                problems.Add($"its latest signed tree head is {Words(restoredHead)}, the backup's is {Words(school.TreeHead)}");
            }
            if (problems.Count > 0)
            {
                failed++;
                context.Out.Line(($"school {result.Tenant}: ", null), ("MISMATCH", "red bold"), ($": {problems[0]}", null));
                foreach (var problem in problems.Skip(1))
                {
                    context.Out.Line($"    {problem}");
                }
                continue;
            }
            var from = result.GrewFrom.Count > 0 ? ", grew only from the backup's digest" : "";
            context.Out.Line(
                (string.Create(CultureInfo.InvariantCulture,
                    $"school {result.Tenant}: {ConsoleLines.Count(result.EventsChecked, "event")}, {ConsoleLines.Count(result.CheckpointsChecked, "checkpoint")} verify; ") +
                 $"chain head and tree head as backed up{from}: ", null),
                ("OK", "green"));
        }
        return failed;
    }

    static string Words(BundleTreeHead? head) => head is null
        ? "none"
        : string.Create(CultureInfo.InvariantCulture, $"{head.TreeSize} events, root {head.Root}, signed {EventStore.Chain.ChainHash.FormatTimestamp(head.IssuedAt)} by {head.KeyId}");
}
