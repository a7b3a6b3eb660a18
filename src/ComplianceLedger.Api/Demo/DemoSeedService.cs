using ComplianceLedger.EventStore.Checkpoints;

namespace ComplianceLedger.Api.Demo;

/// <summary>
/// In Development, fills an empty ledger with the demo trust on first start, so the run
/// command opens on realistic data. <c>Ledger:SeedDemo=false</c> turns it off.
/// </summary>
sealed partial class DemoSeedService(IServiceProvider services, IHostEnvironment environment, IConfiguration configuration, ILogger<DemoSeedService> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!environment.IsDevelopment() || !configuration.GetValue("Ledger:SeedDemo", true))
        {
            return;
        }
        var demo = services.GetRequiredService<DemoSchool>();
        if (await demo.ExistsAsync(cancellationToken))
        {
            return;
        }
        LogSeeding(DemoSchool.TrustName);
        await demo.SeedAsync(services.GetRequiredService<SigningKey>(), school => LogSchool(school), cancellationToken);
        LogSeeded(DemoSchool.Urn);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Seeding the demo trust {Trust} (first start of an empty development ledger)")]
    partial void LogSeeding(string trust);

    [LoggerMessage(LogLevel.Information, "Seeding {School}")]
    partial void LogSchool(string school);

    [LoggerMessage(LogLevel.Information, "Demo ready: sign in at /dev/sign-in; the demo school is URN {Urn}")]
    partial void LogSeeded(string urn);
}
