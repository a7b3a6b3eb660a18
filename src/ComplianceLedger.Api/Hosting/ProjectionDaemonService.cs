using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.EventStore.Projections.Daemon;
using Npgsql;

namespace ComplianceLedger.Api.Hosting;

/// <summary>
/// Hosts the async projection daemon (one leader across app nodes) and publishes its state as
/// metrics: lag in events and seconds per projection, whether this node leads, paused tenants.
/// </summary>
sealed class ProjectionDaemonService : BackgroundService
{
    readonly ProjectionDaemon daemon;
    readonly NpgsqlDataSource dataSource;
    readonly TimeSpan statusInterval;
    readonly bool run;
    IReadOnlyList<ProjectionStatus> latest = [];

    public ProjectionDaemonService(ProjectionDaemon daemon, NpgsqlDataSource dataSource, IConfiguration configuration)
    {
        this.daemon = daemon;
        this.dataSource = dataSource;
        statusInterval = configuration.GetValue("Ledger:Projections:StatusInterval", TimeSpan.FromSeconds(5));
        // A node can be kept out of the election (e.g. a read-only replica's app).
        run = configuration.GetValue("Ledger:Projections:RunDaemon", true);
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.projection.lag.events",
            () => latest.Select(s => new System.Diagnostics.Metrics.Measurement<long>(s.LagEvents, Tag(s))), "{event}",
            "Events committed but not yet applied by an async projection.");
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.projection.lag.seconds",
            () => latest.Select(s => new System.Diagnostics.Metrics.Measurement<double>(s.LagSeconds, Tag(s))), "s",
            "Age of the oldest event an async projection has not yet applied.");
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.projection.paused",
            () => latest.Select(s => new System.Diagnostics.Metrics.Measurement<int>(s.Paused.Count, Tag(s))), "{tenant}",
            "Tenants an async projection is paused for after a poison event.");
        LedgerTelemetry.Meter.CreateObservableGauge("ledger.projection.leader", () => daemon.IsLeader ? 1 : 0, "{node}",
            "1 while this node runs the async projections.");
    }

    static KeyValuePair<string, object?>[] Tag(ProjectionStatus status) => [new("ledger.projection", status.Projection)];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(run ? daemon.RunAsync(stoppingToken) : Task.CompletedTask, RefreshStatusAsync(stoppingToken));

    async Task RefreshStatusAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(statusInterval);
        do
        {
            try
            {
                latest = await ProjectionProgress.StatusAsync(dataSource, daemon.Projections, ct);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Metrics keep their last values; the health check reports the database itself.
            }
        }
        while (await WaitAsync(timer, ct));
    }

    static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

static class ProjectionDaemonRegistration
{
    public static IServiceCollection AddProjectionDaemon(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            var options = new ProjectionDaemonOptions
            {
                PollInterval = configuration.GetValue("Ledger:Projections:PollInterval", TimeSpan.FromSeconds(5)),
                LeaderRetry = configuration.GetValue("Ledger:Projections:LeaderRetry", TimeSpan.FromSeconds(1)),
                Workers = configuration.GetValue("Ledger:Projections:Workers", 4),
            };
            return new ProjectionDaemon(sp.GetRequiredService<LedgerDatabase>().AppConnectionString, sp.GetServices<IProjection>(), options,
                sp.GetRequiredService<ILogger<ProjectionDaemon>>());
        });
        services.AddHostedService<ProjectionDaemonService>();
        return services;
    }
}
