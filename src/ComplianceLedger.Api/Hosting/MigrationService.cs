using ComplianceLedger.EventStore.Migrations;
using ComplianceLedger.Projections;

namespace ComplianceLedger.Api.Hosting;

/// <summary>Brings the schema up to date before the app serves, when an admin connection is configured.</summary>
sealed partial class MigrationService(
    LedgerDatabase database, IConfiguration configuration, StartupState state, ILogger<MigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.DevelopmentCluster is { } cluster)
        {
            LogDevelopmentCluster(cluster.Root, cluster.PsqlCommand(EventStore.LocalPostgres.DevelopmentData.DatabaseName));
        }
        if (database.AdminConnectionString is null)
        {
            LogNoMigrations();
        }
        else
        {
            var applied = await LedgerMigrator.MigrateAsync(
                database.AdminConnectionString, configuration["Ledger:AppRolePassword"], ProjectionSchema.Scripts, cancellationToken);
            if (applied.Count == 0)
            {
                LogUpToDate();
            }
            else
            {
                LogMigrated(applied.Count, string.Join(", ", applied));
            }
        }
        state.MarkMigrated();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Development PostgreSQL cluster at {Root}; open it with: {Psql}")]
    partial void LogDevelopmentCluster(string root, string psql);

    [LoggerMessage(LogLevel.Information, "No ConnectionStrings:LedgerAdmin; assuming the schema was migrated with 'ledger migrate'")]
    partial void LogNoMigrations();

    [LoggerMessage(LogLevel.Information, "Ledger schema up to date: nothing to apply")]
    partial void LogUpToDate();

    [LoggerMessage(LogLevel.Information, "Ledger schema migrated; applied {Count} script(s) now: {Scripts}")]
    partial void LogMigrated(int count, string scripts);
}

/// <summary>What start-up has finished, for the readiness check.</summary>
public sealed class StartupState
{
    volatile bool migrated;
    public bool Migrated => migrated;
    public void MarkMigrated() => migrated = true;
}
