using System.Diagnostics;
using Npgsql;

namespace ComplianceLedger.EventStore.LocalPostgres;

/// <summary>
/// A PostgreSQL cluster of our own, made from the machine's PostgreSQL binaries: for
/// tests (throwaway) and for development (kept under the repo's data directory and
/// reused). It listens only on a Unix socket inside its own directory, so it never
/// clashes with another server's port. initdb refuses to run as root, so as root
/// every server command runs as the <c>postgres</c> user.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    const int Port = 5432;
    readonly bool throwaway;

    LocalCluster(string root, string binDirectory, bool throwaway)
    {
        Root = root;
        BinDirectory = binDirectory;
        this.throwaway = throwaway;
    }

    public string Root { get; }
    public string BinDirectory { get; }
    public string DataDirectory => Path.Combine(Root, "data");
    public string SocketDirectory => Path.Combine(Root, "socket");
    public string LogFile => Path.Combine(Root, "postgres.log");

    /// <summary>True when this start launched the server, false when it found it running already.</summary>
    public bool StartedServer { get; private set; }

    /// <summary>Superuser connection to <paramref name="database"/>.</summary>
    public string AdminConnectionString(string database) => ConnectionString("postgres", database);

    /// <summary>The application's connection: role <c>ledger_app</c>, which may only read and append.</summary>
    public string AppConnectionString(string database) => ConnectionString("ledger_app", database);

    /// <summary>The psql command line that opens <paramref name="database"/>.</summary>
    public string PsqlCommand(string database) =>
        $"{Path.Combine(BinDirectory, "psql")} -h {SocketDirectory} -p {Port} -U postgres {database}";

    string ConnectionString(string user, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = SocketDirectory,
        Port = Port,
        Username = user,
        Database = database,
        // Pooled connections must not outlive a dropped test database.
        Pooling = true,
    }.ConnectionString;

    /// <summary>Extra server options for a cluster started here, e.g. to load pg_stat_statements when profiling.</summary>
    public const string ServerOptionsVariable = "LEDGER_PG_SERVER_OPTIONS";

    /// <summary>The kept cluster under <paramref name="root"/>, running or not, without starting it (e.g. to stop it).</summary>
    public static LocalCluster Existing(string root) => new(Path.GetFullPath(root), FindBinaries(), throwaway: false);

    /// <summary>Starts (creating first if need be) the cluster under <paramref name="root"/>.</summary>
    /// <param name="durable">fsync on; off is fine for throwaway test clusters.</param>
    public static async Task<LocalCluster> StartAsync(string root, bool throwaway, bool durable, CancellationToken ct = default)
    {
        var bin = FindBinaries();
        root = Path.GetFullPath(root);
        var cluster = new LocalCluster(root, bin, throwaway);
        Directory.CreateDirectory(cluster.SocketDirectory);
        await cluster.HandOverToServerUserAsync(ct);

        if (!File.Exists(Path.Combine(cluster.DataDirectory, "PG_VERSION")))
        {
            await cluster.RunAsync("initdb", ["-D", cluster.DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], ct);
        }
        if (!await cluster.IsRunningAsync(ct))
        {
            var options = $"-c listen_addresses='' -k {cluster.SocketDirectory} -p {Port} -c fsync={(durable ? "on" : "off")} " +
                          $"-c max_connections=200 -c shared_buffers=128MB {Environment.GetEnvironmentVariable(ServerOptionsVariable)}";
            await cluster.RunAsync("pg_ctl", ["-D", cluster.DataDirectory, "-l", cluster.LogFile, "-o", options, "-w", "-t", "60", "start"], ct);
            cluster.StartedServer = true;
        }
        return cluster;
    }

    /// <summary>Creates <paramref name="database"/> unless it exists.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Stops the server (fast shutdown); its data stays for the next start.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "stop"], ct);
    }

    /// <summary>A throwaway cluster is stopped and deleted; a kept one is left running for reuse.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!throwaway)
        {
            return;
        }
        NpgsqlConnection.ClearAllPools();
        try
        {
            if (await IsRunningAsync(CancellationToken.None))
            {
                await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None);
            }
        }
        finally
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    /// <summary>True while a server is running on <see cref="DataDirectory"/>.</summary>
    public async Task<bool> IsRunningAsync(CancellationToken ct = default)
    {
        var (code, _) = await ExecAsync("pg_ctl", ["-D", DataDirectory, "status"], ct);
        return code == 0;
    }

    static bool IsRoot => Environment.UserName == "root";

    /// <summary>True when the server user can enter <paramref name="directory"/> (always, unless we run as root).</summary>
    public static async Task<bool> ServerUserCanEnterAsync(string directory, CancellationToken ct = default)
    {
        if (!IsRoot)
        {
            return true;
        }
        // test -x on a directory needs search permission on it and on every directory above it.
        var (code, _) = await ExecRawAsync("runuser", ["-u", "postgres", "--", "test", "-x", directory], ct);
        return code == 0;
    }

    /// <summary>The <c>postgres</c> user's home directory, if it has one that exists.</summary>
    public static string? ServerUserHome()
    {
        var entry = File.Exists("/etc/passwd")
            ? File.ReadLines("/etc/passwd").FirstOrDefault(l => l.StartsWith("postgres:", StringComparison.Ordinal))
            : null;
        var home = entry?.Split(':') is { Length: >= 6 } fields ? fields[5] : null;
        return !string.IsNullOrEmpty(home) && Directory.Exists(home) ? home : null;
    }

    async Task HandOverToServerUserAsync(CancellationToken ct)
    {
        if (!IsRoot)
        {
            return;
        }
        // The server runs as postgres and must own its directories; the log is written there too.
        var (code, output) = await ExecRawAsync("chown", ["-R", "postgres:postgres", Root], ct);
        if (code != 0)
        {
            throw new InvalidOperationException($"Could not hand {Root} to the postgres user: {output}");
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    async Task RunAsync(string tool, string[] args, CancellationToken ct)
    {
        var (code, output) = await ExecAsync(tool, args, ct);
        if (code != 0)
        {
            var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile, ct) : "";
            throw new InvalidOperationException($"{tool} failed with exit code {code}:\n{output}\n{log}");
        }
    }

    Task<(int Code, string Output)> ExecAsync(string tool, string[] args, CancellationToken ct)
    {
        var path = Path.Combine(BinDirectory, tool);
        return IsRoot ? ExecRawAsync("runuser", ["-u", "postgres", "--", path, .. args], ct) : ExecRawAsync(path, args, ct);
    }

    static async Task<(int Code, string Output)> ExecRawAsync(string file, string[] args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    /// <summary>The newest PostgreSQL server binaries on the machine.</summary>
    public static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(c => File.Exists(Path.Combine(c.Dir, "initdb")))
                .OrderByDescending(c => c.Version)
                .Select(c => c.Dir)
            : [];
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Where(d => d.Length > 0 && File.Exists(Path.Combine(d, "initdb")));
        return candidates.Concat(onPath).FirstOrDefault()
            ?? throw new InvalidOperationException(
                "No PostgreSQL server binaries (initdb) found. Install the server (Debian: apt-get install postgresql) or set ConnectionStrings__Ledger.");
    }
}
