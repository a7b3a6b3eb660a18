using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using ComplianceLedger.EventStore.Marten;
using Npgsql;

namespace ComplianceLedger.EventStore.Migrations;

/// <summary>
/// Applies the numbered <c>Sql/NNN_name.sql</c> files in one transaction, each once.
/// Runs on an administrative connection (superuser or a member of <c>ledger_owner</c>);
/// every object is created as <c>ledger_owner</c>, never as the application's role.
/// </summary>
public static class LedgerMigrator
{
    const string RolesScript = "001_roles.sql";

    public sealed record Script(int Number, string Name, string Sql)
    {
        public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
    }

    public static IReadOnlyList<Script> Scripts { get; } = LoadScripts(Assembly.GetExecutingAssembly(), "ComplianceLedger.EventStore.Sql.");

    /// <summary>Returns the names of the scripts applied by this call (empty when up to date).</summary>
    public static Task<IReadOnlyList<string>> MigrateAsync(
        string adminConnectionString, string? appRolePassword = null, CancellationToken ct = default) =>
        MigrateAsync(adminConnectionString, appRolePassword, [], ct);

    /// <summary>
    /// As <see cref="MigrateAsync(string, string?, CancellationToken)"/>, with further scripts (the
    /// read models' schema), numbered after the store's own. Returns the names applied now.
    /// </summary>
    public static Task<IReadOnlyList<string>> MigrateAsync(
        string adminConnectionString, string? appRolePassword, IEnumerable<Script> additionalScripts, CancellationToken ct = default) =>
        MigrateAsync(adminConnectionString, appRolePassword, additionalScripts, upTo: int.MaxValue, ct);

    /// <summary>
    /// Only the scripts numbered up to <paramref name="upTo"/>: a database as an earlier release
    /// left it, for testing what a later migration does to it (e.g. the carry-over onto Marten).
    /// </summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(
        string adminConnectionString, string? appRolePassword, IEnumerable<Script> additionalScripts, int upTo, CancellationToken ct = default)
    {
        var all = Scripts.Concat(additionalScripts).Where(s => s.Number <= upTo).OrderBy(s => s.Number).ToList();
        if (all.GroupBy(s => s.Number).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            throw new InvalidOperationException($"Two migrations share number {clash.Key}: {string.Join(", ", clash.Select(s => s.Name))}.");
        }
        // Unpooled, so that closing it ends the session and frees the lock below.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        // Held for the session, not the transaction: Marten's own update runs after the commit, and
        // two nodes starting at once must not run its DDL side by side.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext('compliance-ledger.migrate'))", connection))
        {
            await lockCommand.ExecuteNonQueryAsync(ct);
        }
        await using var tx = await connection.BeginTransactionAsync(ct);

        // Roles are cluster-wide and must exist before anything can be owned by them.
        await Execute(connection, tx, Scripts.Single(s => s.Name == RolesScript).Sql, ct);
        if (appRolePassword is not null)
        {
            await Execute(connection, tx, $"ALTER ROLE ledger_app WITH LOGIN PASSWORD {QuoteLiteral(appRolePassword)}", ct);
        }

        await Execute(connection, tx, "SET LOCAL ROLE ledger_owner", ct);
        await Execute(connection, tx, """
            CREATE SCHEMA IF NOT EXISTS ledger AUTHORIZATION ledger_owner;
            CREATE TABLE IF NOT EXISTS ledger.schema_migrations (
                number     int         PRIMARY KEY,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now());
            """, ct);

        // Marten's objects first (040 chains its events table): made from Marten's own script on a
        // new database; an existing one is brought up to Marten's configuration after this commits.
        var martenExisted = await ExistsAsync(connection, tx, LedgerMarten.Schema, ct);
        if (!martenExisted)
        {
            await Execute(connection, tx, LedgerMarten.CreationScript(), ct);
        }

        var applied = new Dictionary<int, (string Name, string Checksum)>();
        await using (var cmd = new NpgsqlCommand("SELECT number, name, checksum FROM ledger.schema_migrations", connection, tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                applied[reader.GetInt32(0)] = (reader.GetString(1), reader.GetString(2));
            }
        }

        var ran = new List<string>();
        foreach (var script in all.Where(s => s.Name != RolesScript))
        {
            if (applied.TryGetValue(script.Number, out var done))
            {
                // An applied script must never change: the database would no longer match the code.
                if (done.Checksum != script.Checksum)
                {
                    throw new InvalidOperationException(
                        $"Migration {script.Name} changed after it was applied (was {done.Name}, checksum {done.Checksum}). Add a new numbered script instead.");
                }
                continue;
            }
            await Execute(connection, tx, script.Sql, ct);
            await using var record = new NpgsqlCommand(
                "INSERT INTO ledger.schema_migrations (number, name, checksum) VALUES ($1, $2, $3)", connection, tx);
            record.Parameters.Add(new() { Value = script.Number });
            record.Parameters.Add(new() { Value = script.Name });
            record.Parameters.Add(new() { Value = script.Checksum });
            await record.ExecuteNonQueryAsync(ct);
            ran.Add(script.Name);
        }

        await tx.CommitAsync(ct);
        if (martenExisted)
        {
            await UpdateMartenAsync(adminConnectionString);
        }
        if (all.Any(s => s.Number == WolverineSchemaScript))
        {
            // Under the session lock still, as Marten's update: two nodes never run its DDL at once.
            await WolverineStorage.MigrateAsync(AsOwner(adminConnectionString), ct);
        }
        return ran;
    }

    static async Task<bool> ExistsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string schema, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", connection, tx);
        cmd.Parameters.Add(new() { Value = schema });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    // Marten compares its configuration with the database and applies the difference, as the owner
    // role so that what it makes belongs to ledger_owner (a no-op when nothing changed).
    static async Task UpdateMartenAsync(string adminConnectionString)
    {
        var asOwner = AsOwner(adminConnectionString);
        var options = LedgerMarten.Configure(new global::Marten.StoreOptions(), asOwner, TimeProvider.System);
        options.AutoCreateSchemaObjects = JasperFx.AutoCreate.CreateOrUpdate;
        using var store = new global::Marten.DocumentStore(options);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    // 043 makes Wolverine's schema (and the app's default privileges in it); its tables follow.
    const int WolverineSchemaScript = 43;

    static string AsOwner(string adminConnectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString);
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? "-c role=ledger_owner" : builder.Options + " -c role=ledger_owner";
        return builder.ConnectionString;
    }

    static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    static string QuoteLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>The <c>NNN_name.sql</c> files embedded in <paramref name="assembly"/> under <paramref name="prefix"/>.</summary>
    public static List<Script> LoadScripts(Assembly assembly, string prefix)
    {
        var scripts = new List<Script>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var name = resource[prefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var text = new StreamReader(stream, Encoding.UTF8);
            scripts.Add(new Script(int.Parse(name.AsSpan(0, 3), System.Globalization.CultureInfo.InvariantCulture), name, text.ReadToEnd()));
        }
        return [.. scripts.OrderBy(s => s.Number)];
    }
}
