using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace ComplianceLedger.Api.Mail;

/// <summary>A message caught by the development server.</summary>
public sealed record CaughtMessage(int Id, DateTimeOffset ReceivedAt, MimeMessage Message);

/// <summary>
/// Development with no <c>Ledger:Mail:Host</c>: an SMTP server in the app on loopback
/// (<c>Ledger:Mail:DevPort</c>, 2525), keeping the last 200 messages in memory for <c>/dev/mail</c>,
/// so a developer sees every notice without installing anything. Elsewhere it does nothing.
/// </summary>
public sealed class LocalMailServer(IOptions<MailOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<LocalMailServer> logger)
    : IHostedService, IDisposable
{
    public const int Kept = 200;

    readonly TaskCompletionSource<int> port = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly Lock gate = new();
    readonly LinkedList<CaughtMessage> caught = new();
    int lastId;
    SmtpServer.SmtpServer? server;
    Task? running;

    public bool Enabled => environment.IsDevelopment() && !options.Value.HasServer;

    /// <summary>The port it listens on, once started.</summary>
    public Task<int> PortAsync(CancellationToken ct) => port.Task.WaitAsync(ct);

    /// <summary>The caught messages, newest first.</summary>
    public IReadOnlyList<CaughtMessage> Messages
    {
        get
        {
            lock (gate)
            {
                return [.. caught];
            }
        }
    }

    public CaughtMessage? Find(int id) => Messages.FirstOrDefault(m => m.Id == id);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            if (!environment.IsDevelopment() && !options.Value.HasServer)
            {
                MailLog.NoServer(logger);
            }
            return;
        }
        var wanted = options.Value.DevPort;
        var chosen = wanted != 0 && IsFree(wanted) ? wanted : 0;
        if (chosen != wanted)
        {
            MailLog.LocalMailPortTaken(logger, wanted);
        }
        Listen(chosen);
        // Another app (or test host) on this machine may take the port between the probe and the
        // bind: then any free port serves as well.
        await Task.WhenAny(port.Task, running!, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken));
        if (!port.Task.IsCompleted && chosen != 0)
        {
            MailLog.LocalMailPortTaken(logger, wanted);
            server?.Shutdown();
            Listen(0);
        }
    }

    void Listen(int chosen)
    {
        var listeners = new EndpointListenerFactory();
        listeners.EndpointStarted += (_, e) =>
        {
            var bound = ((IPEndPoint)e.LocalEndPoint).Port;
            if (port.TrySetResult(bound))
            {
                MailLog.LocalMailListening(logger, bound);
            }
        };
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listeners);
        services.Add(new Store(this));
        server = new SmtpServer.SmtpServer(new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, chosen)))
            .Build(), services);
        running = server.StartAsync(CancellationToken.None);
    }

    static bool IsFree(int candidate)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, candidate);
            probe.Start();
            probe.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (server is null || running is null)
        {
            return;
        }
        server.Shutdown();
        await running.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    void Keep(MimeMessage message)
    {
        lock (gate)
        {
            caught.AddFirst(new CaughtMessage(++lastId, time.GetUtcNow(), message));
            while (caught.Count > Kept)
            {
                caught.RemoveLast();
            }
        }
    }

    public void Dispose() => server?.Shutdown();

    sealed class Store(LocalMailServer owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            owner.Keep(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}
