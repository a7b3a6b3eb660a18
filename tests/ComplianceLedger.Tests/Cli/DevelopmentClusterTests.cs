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
        // Temporary directories are private to their owner; the server user must be able to pass through.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dataDirectory.FullName, (UnixFileMode)0b111_101_101);
        }
        cluster = await LocalCluster.StartAsync(DevelopmentData.ClusterRoot(dataDirectory.FullName), throwaway: true, durable: false);
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        dataDirectory.Delete(recursive: true);
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
