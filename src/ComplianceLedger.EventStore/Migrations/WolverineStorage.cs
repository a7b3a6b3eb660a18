using ComplianceLedger.EventStore.Marten;
using JasperFx.Resources;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wolverine;
using Wolverine.Marten;

namespace ComplianceLedger.EventStore.Migrations;

/// <summary>
/// Wolverine's message storage (schema <see cref="Schema"/>), made by <c>ledger migrate</c> as the
/// owner role, as Marten's is: the app runs with <c>AutoBuildMessageStorageOnStartup = None</c> and
/// may not change it. Wolverine makes its tables only from a configured runtime, so this builds
/// one (never started: no listeners, no agents) with the app's storage settings
/// (<see cref="Configure"/>) and runs Wolverine's own setup, as <c>resources setup</c> would.
/// </summary>
public static class WolverineStorage
{
    public const string Schema = "wolverine";

    /// <summary>Marten's integration with Wolverine, as the app and the migration both make it.</summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression IntegrateWithLedgerWolverine(
        this MartenServiceCollectionExtensions.MartenConfigurationExpression marten) =>
        marten.IntegrateWithWolverine(w => w.MessageStorageSchemaName = Schema);

    public static async Task MigrateAsync(string ownerConnectionString, CancellationToken ct = default)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddMarten(LedgerMarten.Configure(new StoreOptions(), ownerConnectionString, TimeProvider.System))
            .IntegrateWithLedgerWolverine();
        builder.Services.AddWolverine(options =>
        {
            options.ApplicationAssembly = typeof(WolverineStorage).Assembly;
            options.Discovery.DisableConventionalDiscovery();
        });
        using var host = builder.Build();
        // Only Wolverine's: Marten's schema is the migrator's own business.
        await host.SetupResources(ct, "Wolverine");
    }
}
