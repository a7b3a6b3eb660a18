using ComplianceLedger.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ComplianceLedger.Cli.Seed;

/// <summary>
/// The app's own services (store, inline projections, vault, decisions) over a given
/// connection, so the CLI writes exactly what the app would. Nothing is hosted or served.
/// </summary>
internal static class LedgerServicesForCli
{
    /// <param name="settings">More configuration, e.g. the sign-in email index's key.</param>
    public static WebApplication Build(string appConnectionString, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration["ConnectionStrings:Ledger"] = appConnectionString;
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.Configuration[name] = value;
        }
        builder.Logging.ClearProviders();
        builder.AddLedger();
        return builder.Build();
    }

    public static T Get<T>(this WebApplication app) where T : notnull => app.Services.GetRequiredService<T>();
}
