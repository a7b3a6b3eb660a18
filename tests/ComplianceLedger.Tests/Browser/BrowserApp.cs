using System.Net;
using System.Net.Sockets;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Browser;

/// <summary>
/// The app as a browser reaches it: Kestrel on a loopback port chosen before the app starts (an
/// OpenID provider's redirect address must name it), in Development so <c>/dev/sign-in</c>
/// exists. The in-process host runs the projection daemon; the loopback node serves the browser.
/// </summary>
public sealed class BrowserApp : LedgerApp
{
    readonly int port = FreePort();

    protected override int LoopbackPort => port;

    /// <summary>http://127.0.0.1:port/, known before start.</summary>
    public Uri Address => new($"http://127.0.0.1:{port}/");

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
