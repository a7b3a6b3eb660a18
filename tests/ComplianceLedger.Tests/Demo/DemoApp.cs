using Microsoft.AspNetCore.Hosting;

namespace ComplianceLedger.Tests.Demo;

/// <summary>The app on an empty development ledger, seeding the demo trust on its first start as <c>dotnet run</c> does.</summary>
public sealed class DemoApp : Fixtures.LedgerApp
{
    protected override void ConfigureWebHost(IWebHostBuilder web) => web.UseSetting("Ledger:SeedDemo", "true");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _ = Host;
    }
}
