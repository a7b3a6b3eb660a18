using ComplianceLedger.EventStore.Checkpoints;

namespace ComplianceLedger.Api.Hosting;

/// <summary>
/// What the app cannot start without (its database, its checkpoint key), resolved before the host
/// starts, so that a missing setting or a development cluster that cannot be made is one logged
/// line saying what to do, and exit code 1, rather than a stack trace.
/// </summary>
static partial class StartupChecks
{
    public static async Task<bool> ReadyToStartAsync(WebApplication app)
    {
        LedgerDatabase? database = null;
        try
        {
            database = app.Services.GetRequiredService<LedgerDatabase>();
            _ = app.Services.GetRequiredService<SigningKey>();
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException
                                     or System.Security.Cryptography.CryptographicException or Npgsql.NpgsqlException)
        {
            LogCannotStart(app.Logger, e.Message);
            // Leave no development server running that this start launched.
            if (database?.DevelopmentCluster is { StartedServer: true } cluster)
            {
                await cluster.StopAsync();
            }
            // Flushes the console log before the process ends.
            await app.DisposeAsync();
            return false;
        }
    }

    [LoggerMessage(LogLevel.Critical, "The app cannot start: {Reason}")]
    static partial void LogCannotStart(ILogger logger, string reason);
}
