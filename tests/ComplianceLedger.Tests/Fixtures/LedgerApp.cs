using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ComplianceLedger.Tests.Fixtures;

/// <summary>The real application on Kestrel, over real HTTP on loopback, on a fresh migrated database.</summary>
public sealed class LedgerApp : LedgerDatabase
{
    WebApplicationFactory<Program>? factory;

    public string SigningKeyPem { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem();

    public WebApplicationFactory<Program> Factory => factory ??= Start();

    WebApplicationFactory<Program> Start()
    {
        var started = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            web.UseUrls("http://127.0.0.1:0");
            web.UseSetting("ConnectionStrings:Ledger", AppConnectionString);
            web.UseSetting("ConnectionStrings:LedgerAdmin", AdminConnectionString);
            web.UseSetting("Ledger:Signing:PrivateKeyPem", SigningKeyPem);
            web.UseSetting("Ledger:AppRolePassword", Server.Cluster is null ? PostgresServer.AppRolePassword : null);
        });
        started.UseKestrel();
        started.StartServer();
        return started;
    }

    public HttpClient Client() => Factory.CreateClient();

    public override async Task DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}
