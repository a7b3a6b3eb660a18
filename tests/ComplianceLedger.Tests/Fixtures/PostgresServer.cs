using ComplianceLedger.EventStore.LocalPostgres;
using DotNet.Testcontainers.Builders;
using Npgsql;
using Testcontainers.PostgreSql;

namespace ComplianceLedger.Tests.Fixtures;

/// <summary>
/// The PostgreSQL server the tests run on, chosen once per test run, in this order:
/// <c>LEDGER_TEST_CONNECTION</c> (an administrative connection string) when set; else a
/// Testcontainers PostgreSQL container when a Docker engine answers; else one throwaway cluster
/// from the local binaries. Whatever made a server removes it when the run ends.
/// <see cref="Source"/> says which, and why the ones before it were passed over.
/// </summary>
public sealed class PostgresServer
{
    public const string AppRolePassword = "ledger-app-test";
    public const string ContainerImage = "postgres:16";
    static readonly Lazy<Task<PostgresServer>> Shared = new(() => ChooseAsync(
        Environment.GetEnvironmentVariable("LEDGER_TEST_CONNECTION"), Environment.GetEnvironmentVariable("DOCKER_HOST"), StartLocalClusterAsync));

    readonly string adminTemplate;
    readonly string appTemplate;

    PostgresServer(string adminTemplate, string appTemplate, LocalCluster? cluster, string source)
    {
        this.adminTemplate = adminTemplate;
        this.appTemplate = appTemplate;
        Cluster = cluster;
        Source = source;
    }

    /// <summary>The local cluster, when the tests made one (null on <c>LEDGER_TEST_CONNECTION</c> or a container).</summary>
    public LocalCluster? Cluster { get; }

    /// <summary>Which server this is, in a line for the test run's output.</summary>
    public string Source { get; }

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

    /// <summary>
    /// The choice itself, with the environment passed in so a test can make it on purpose;
    /// <paramref name="dockerHost"/> is <c>DOCKER_HOST</c> (null: Testcontainers looks where it
    /// usually does).
    /// </summary>
    internal static async Task<PostgresServer> ChooseAsync(string? configured, string? dockerHost, Func<string, Task<PostgresServer>> localCluster)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var app = new NpgsqlConnectionStringBuilder(configured) { Username = "ledger_app", Password = AppRolePassword };
            var at = new NpgsqlConnectionStringBuilder(configured);
            return new PostgresServer(configured, app.ConnectionString, null, $"LEDGER_TEST_CONNECTION (server {at.Host}:{at.Port})");
        }
        var (container, why) = await TryContainerAsync(dockerHost);
        return container ?? await localCluster(why);
    }

    /// <summary>A container when a Docker engine answers, else why not.</summary>
    static async Task<(PostgresServer? Server, string WhyNot)> TryContainerAsync(string? dockerHost)
    {
        PostgreSqlContainer container;
        try
        {
            var builder = new PostgreSqlBuilder(ContainerImage);
            if (!string.IsNullOrWhiteSpace(dockerHost))
            {
                builder = builder.WithDockerEndpoint(dockerHost);
            }
            container = builder.Build();
        }
        catch (DockerUnavailableException e)
        {
            return (null, $"no Docker engine ({FirstLine(e.Message)})");
        }
        try
        {
            // A named endpoint that nothing answers fails here, on connecting (refused or no
            // such socket): at once, not after a timeout. An engine that cannot pull the image
            // (offline) gives up within a minute, and the local cluster serves.
            using var pull = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await container.StartAsync(pull.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await container.DisposeAsync();
            return (null, $"no Docker engine answered at {dockerHost ?? "the usual places"} ({e.GetType().Name}: {FirstLine(e.Message)})");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
        var admin = container.GetConnectionString();
        var appRole = new NpgsqlConnectionStringBuilder(admin) { Username = "ledger_app", Password = AppRolePassword };
        return (new PostgresServer(admin, appRole.ConnectionString, null, $"Testcontainers.PostgreSql ({ContainerImage}, container {container.Id[..12]})"), "");
    }

    static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    internal static async Task<PostgresServer> StartLocalClusterAsync(string whyNotContainer)
    {
        RemoveStoppedClusters();
        var root = Path.Combine(Path.GetTempPath(), $"ledger-tests-{Guid.NewGuid():N}"[..24]);
        var cluster = await LocalCluster.StartAsync(root, throwaway: true, durable: false);
        // Unless a test removed it already (the source choice's own test).
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Directory.Exists(root))
            {
                cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        };
        return new PostgresServer(cluster.AdminConnectionString("postgres"), cluster.AppConnectionString("postgres"), cluster,
            $"local throwaway cluster under {root} (no LEDGER_TEST_CONNECTION; {whyNotContainer})");
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
