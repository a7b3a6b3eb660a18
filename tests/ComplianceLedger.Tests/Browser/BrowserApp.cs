using System.Net;
using System.Net.Sockets;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting;

namespace ComplianceLedger.Tests.Browser;

/// <summary>
/// The app as a browser reaches it: Kestrel on a loopback port chosen before the app starts (an
/// OpenID provider's redirect address must name it), in Development so <c>/dev/sign-in</c>
/// exists. The in-process host runs the projection daemon; the loopback node serves the browser.
/// The local OpenID provider's issuer is that node's address, so Chromium signs in through it as
/// a person would: the node is both provider and client, and its OIDC client fetches the discovery
/// document, keys and token over a real socket from itself (the in-memory backchannel the base
/// fixture sets is for the TestServer only). Everyone a test school enrols has a sign-in email,
/// which the provider's page needs to offer them.
/// </summary>
public sealed class BrowserApp : LedgerApp
{
    readonly int port = FreePort();

    protected override int LoopbackPort => port;

    /// <summary>http://127.0.0.1:port/, known before start.</summary>
    public Uri Address => new($"http://127.0.0.1:{port}/");

    /// <summary>The local provider's issuer, as the browser and the app's OIDC client reach it.</summary>
    public Uri Authority => new(Address, "/local-idp/");

    protected override void ConfigureWebHost(IWebHostBuilder web) =>
        web.UseSetting("SignIn:Local:Authority", Authority.AbsoluteUri);

    /// <summary>One per person, unique across schools, at the test schools' domain.</summary>
    protected override string? SignInEmail(string urn, Role role) => $"{SignIn.Slug(role)}.{urn}@test.sch.uk";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Started now, so the first test's timing is its own.
        var started = LoopbackAddress;
        if (started.Port != port)
        {
            throw new InvalidOperationException($"The app listens on {started}, not on port {port}.");
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
