using ComplianceLedger.EventStore.Checkpoints;

namespace ComplianceLedger.Api.Hosting;

/// <summary>Signs a checkpoint for every tenant whose chain has grown, every <c>Ledger:Checkpoints:Interval</c>.</summary>
sealed partial class CheckpointService(
    CheckpointIssuer issuer, IConfiguration configuration, TimeProvider time, ILogger<CheckpointService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = configuration.GetValue("Ledger:Checkpoints:Interval", TimeSpan.FromMinutes(15));
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var tenant in await issuer.TenantsNeedingCheckpointAsync(stoppingToken))
                {
                    var checkpoint = await issuer.IssueAsync(tenant, stoppingToken);
                    LogIssued(tenant, checkpoint?.Position ?? 0);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed round is retried at the next tick; the chain itself is unaffected.
                LogFailed(e);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Checkpoint signed for tenant {Tenant} at position {Position}")]
    partial void LogIssued(string tenant, long position);

    [LoggerMessage(LogLevel.Error, "Checkpoint round failed")]
    partial void LogFailed(Exception exception);
}
