using System.Diagnostics;
using ComplianceLedger.EventStore.LocalPostgres;
using Npgsql;

namespace ComplianceLedger.Cli.Backup;

/// <summary>
/// Runs pg_dump and pg_restore against the database an Npgsql connection string names: the
/// string becomes libpq arguments and variables, and the password travels only in the child's
/// environment (PGPASSWORD), never on its command line, where the process list would show it.
/// </summary>
internal static class PostgresTools
{
    /// <summary>The tool from the newest PostgreSQL binaries on the machine, found as the local cluster finds them.</summary>
    public static string Find(string tool)
    {
        string bin;
        try
        {
            bin = LocalCluster.FindBinaries();
        }
        catch (InvalidOperationException e)
        {
            throw new CliException($"{tool} was not found: {e.Message}");
        }
        var path = Path.Combine(bin, tool);
        return File.Exists(path)
            ? path
            : throw new CliException($"{tool} was not found beside the PostgreSQL binaries in {bin} (Debian: apt-get install postgresql-client).");
    }

    /// <summary>Host, port, user and database as arguments; everything secret or optional as variables.</summary>
    public static (List<string> Arguments, Dictionary<string, string> Environment) Connection(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var args = new List<string>();
        if (!string.IsNullOrEmpty(b.Host))
        {
            args.AddRange(["--host", b.Host]);
        }
        args.AddRange(["--port", b.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (!string.IsNullOrEmpty(b.Username))
        {
            args.AddRange(["--username", b.Username]);
        }
        // Never prompt: a backup runs unattended, and a missing password should fail at once.
        args.Add("--no-password");

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(b.Password))
        {
            environment["PGPASSWORD"] = b.Password;
        }
        if (!string.IsNullOrEmpty(b.Passfile))
        {
            environment["PGPASSFILE"] = b.Passfile;
        }
        if (!string.IsNullOrWhiteSpace(b.Options))
        {
            environment["PGOPTIONS"] = b.Options;
        }
        environment["PGSSLMODE"] = b.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Allow => "allow",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => "prefer",
        };
        if (!string.IsNullOrEmpty(b.RootCertificate))
        {
            environment["PGSSLROOTCERT"] = b.RootCertificate;
        }
        environment["PGAPPNAME"] = "ledger";
        return (args, environment);
    }

    /// <summary>The database's name, as pg_dump and pg_restore take it (<c>--dbname</c>), defaulting as Npgsql does to the user's name.</summary>
    public static string Database(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return b.Database ?? b.Username ?? throw new CliException("The connection string names neither a database nor a user.");
    }

    /// <summary>Runs the tool and returns what it wrote to stdout; on failure, throws with what it wrote to stderr.</summary>
    public static async Task<string> RunAsync(string tool, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var info = new ProcessStartInfo(Find(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // Our own values only: a PGPASSWORD or PGDATABASE the shell happens to hold must not redirect the child.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info) ?? throw new CliException($"Could not start {tool}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new CliException($"{tool} failed (exit code {process.ExitCode}): {((await stderr) + output).Trim()}", ExitCodes.ProblemsFound);
        }
        return output;
    }
}
