using ComplianceLedger.EventStore.LocalPostgres;
using Npgsql;

namespace ComplianceLedger.Tests.Fixtures;

/// <summary>
/// The PostgreSQL server the tests run on: <c>LEDGER_TEST_CONNECTION</c> (an administrative
/// connection string) when set, else one throwaway cluster from the local binaries, started
/// once per test run and removed when the run ends.
/// </summary>
public sealed class PostgresServer
{
    public const string AppRolePassword = "ledger-app-test";
    static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);

    readonly string adminTemplate;
    readonly string appTemplate;

    PostgresServer(string adminTemplate, string appTemplate, LocalCluster? cluster)
    {
        this.adminTemplate = adminTemplate;
        this.appTemplate = appTemplate;
        Cluster = cluster;
    }

    /// <summary>The local cluster, when the tests made one (null on <c>LEDGER_TEST_CONNECTION</c>).</summary>
    public LocalCluster? Cluster { get; }

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>
    /// Cluster-wide catalog changes (databases, roles, their grants) are serialised: run in
    /// parallel by many test classes they can fail with "tuple concurrently updated".
    /// </summary>
    public SemaphoreSlim CatalogLock { get; } = new(1, 1);

    public string AdminConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(adminTemplate) { Database = database }.ConnectionString;

    public string AppConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(appTemplate) { Database = database }.ConnectionString;

    public async Task CreateDatabaseAsync(string database)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DropDatabaseAsync(string database)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    static async Task<PostgresServer> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable("LEDGER_TEST_CONNECTION");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var app = new NpgsqlConnectionStringBuilder(configured) { Username = "ledger_app", Password = AppRolePassword };
            return new PostgresServer(configured, app.ConnectionString, null);
        }

        RemoveStoppedClusters();
        var root = Path.Combine(Path.GetTempPath(), $"ledger-tests-{Guid.NewGuid():N}"[..24]);
        var cluster = await LocalCluster.StartAsync(root, throwaway: true, durable: false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return new PostgresServer(cluster.AdminConnectionString("postgres"), cluster.AppConnectionString("postgres"), cluster);
    }

    /// <summary>
    /// The test host can be killed between stopping its cluster and deleting it; a cluster
    /// with no running server (no postmaster.pid) is a leftover and goes now.
    /// </summary>
    static void RemoveStoppedClusters()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "ledger-tests-*"))
        {
            if (!File.Exists(Path.Combine(dir, "data", "postmaster.pid"))
                && Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddMinutes(-1))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                    // Another test run may be removing it too.
                }
            }
        }
    }
}
