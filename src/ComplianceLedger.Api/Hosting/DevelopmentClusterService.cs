using ComplianceLedger.EventStore.LocalPostgres;

namespace ComplianceLedger.Api.Hosting;

/// <summary>
/// The development PostgreSQL cluster lives as long as the app that started it: when the app
/// stops (Ctrl+C, SIGINT, SIGTERM) the server it launched is stopped too, after every other
/// service has finished with the database. A server that was already running when the app
/// started (launched by the <c>ledger</c> CLI or another app) is left running; <c>ledger local
/// stop</c> stops it.
/// </summary>
sealed partial class DevelopmentClusterService(
    LedgerDatabase database, IServiceProvider services, IConfiguration configuration, ILogger<DevelopmentClusterService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.DevelopmentCluster is { } cluster)
        {
            var dataDirectory = DevelopmentData.Directory(configuration["Ledger:DataDirectory"]);
            if (DevelopmentData.IsClusterElsewhere(dataDirectory))
            {
                LogKeptElsewhere(dataDirectory, cluster.Root);
            }
            if (!cluster.StartedServer)
            {
                LogAlreadyRunning(cluster.Root);
            }
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (database.DevelopmentCluster is { StartedServer: true } cluster)
        {
            // Close the pooled connections first, so none breaks when the server goes.
            services.GetService<Npgsql.NpgsqlDataSource>()?.Clear();
            if (await cluster.IsRunningAsync(cancellationToken))
            {
                await cluster.StopAsync(cancellationToken);
            }
            LogStopped(cluster.Root);
        }
    }

    [LoggerMessage(LogLevel.Information, "The postgres user cannot enter {DataDirectory}, so the development cluster's data is kept at {Root}")]
    partial void LogKeptElsewhere(string dataDirectory, string root);

    [LoggerMessage(LogLevel.Information, "The development PostgreSQL cluster at {Root} was already running; it stays running when the app stops ('ledger local stop' stops it)")]
    partial void LogAlreadyRunning(string root);

    [LoggerMessage(LogLevel.Information, "Stopped the development PostgreSQL cluster at {Root}")]
    partial void LogStopped(string root);
}
