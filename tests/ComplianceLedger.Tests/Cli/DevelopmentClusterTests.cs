using ComplianceLedger.Cli;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.LocalPostgres;
using Npgsql;

namespace ComplianceLedger.Tests.Cli;

/// <summary>
/// With no connection configured, the CLI uses the development cluster the app keeps under
/// the data directory, and trusts the development signing key kept beside it.
/// </summary>
public sealed class DevelopmentClusterTests : IAsyncLifetime
{
    readonly DirectoryInfo dataDirectory = Directory.CreateTempSubdirectory("ledger-dev-data-");
    LocalCluster cluster = null!;

    public async Task InitializeAsync()
    {
        // Temporary directories are private to their owner (0700), as a clone in root's home or
        // under `mktemp -d` is: as root the cluster is then kept where the postgres user can enter,
        // and the CLI must find it there.
        cluster = await LocalCluster.StartAsync(await DevelopmentData.PrepareClusterRootAsync(dataDirectory.FullName), throwaway: true, durable: false);
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        dataDirectory.Delete(recursive: true);
    }

    [Fact]
    public async Task Local_stop_stops_the_development_cluster_as_root_too()
    {
        var environment = new Dictionary<string, string?> { ["Ledger__DataDirectory"] = dataDirectory.FullName };
        Assert.True(await cluster.IsRunningAsync());

        (await LedgerRun.RunAsync(environment, "local", "stop"))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain($"Stopped the development cluster at {cluster.Root}");
        Assert.False(await cluster.IsRunningAsync());

        (await LedgerRun.RunAsync(environment, "local", "stop"))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("is not running");
    }

    [Fact]
    public async Task Migrate_and_verify_fall_back_to_the_development_cluster_and_trust_its_key()
    {
        var environment = new Dictionary<string, string?> { ["Ledger__DataDirectory"] = dataDirectory.FullName };

        (await LedgerRun.RunAsync(environment, "migrate"))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain($"Migrating database {DevelopmentData.DatabaseName} as postgres")
            .ShouldContain("(development cluster)")
            .ShouldContain("applied 002_event_store.sql");

        using var key = SigningKey.FromFile(DevelopmentData.SigningKeyFile(dataDirectory.FullName), createIfMissing: true);
        await using (var app = NpgsqlDataSource.Create(cluster.AppConnectionString(DevelopmentData.DatabaseName)))
        {
            await new LedgerStore(app, TimeProvider.System).AppendAsync(new("170001", "person-1", "person", ExpectedVersion.NoStream,
                [new("policy.acknowledged.v1", """{"policyId":"social-media"}""")], new("person:head-1")));
            await new CheckpointIssuer(app, key, TimeProvider.System).IssueAsync("170001");
        }

        (await LedgerRun.RunAsync(environment, "verify"))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain($"Verifying database {DevelopmentData.DatabaseName} as ledger_app")
            .ShouldContain($"Trusting checkpoint key {key.KeyId} (development key)")
            .ShouldContain("tenant 170001: 1 event, 1 checkpoint: OK")
            .ShouldNotContain("warning");
    }
}
