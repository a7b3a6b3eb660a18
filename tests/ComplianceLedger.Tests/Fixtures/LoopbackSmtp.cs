using System.Buffers;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace ComplianceLedger.Tests.Fixtures;

/// <summary>
/// A real SMTP server on 127.0.0.1 (the SmtpServer package) on a free port, recording every
/// message it accepts. It can refuse the next messages with 451 (<see cref="RefuseNext"/>) or be
/// down (<see cref="StopAsync"/>, then <see cref="StartAsync"/> on the same port).
/// </summary>
public sealed class LoopbackSmtp : IAsyncDisposable
{
    readonly Lock gate = new();
    readonly List<MimeMessage> received = [];
    readonly List<(int Count, TaskCompletionSource Done)> waiters = [];
    int refuse;
    SmtpServer.SmtpServer? server;
    Task? running;

    LoopbackSmtp(int port) => Port = port;

    public int Port { get; }

    public const string Host = "127.0.0.1";

    /// <summary>A started server on a port no one else holds.</summary>
    public static async Task<LoopbackSmtp> StartNewAsync()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var smtp = new LoopbackSmtp(port);
        await smtp.StartAsync();
        return smtp;
    }

    /// <summary>Every message accepted so far, in order.</summary>
    public IReadOnlyList<MimeMessage> Received
    {
        get
        {
            lock (gate)
            {
                return [.. received];
            }
        }
    }

    /// <summary>The next <paramref name="count"/> messages are refused with 451 (try again later).</summary>
    public void RefuseNext(int count)
    {
        lock (gate)
        {
            refuse = count;
        }
    }

    public bool Running => server is not null;

    /// <summary>Listening on <see cref="Port"/> again (after <see cref="StopAsync"/>).</summary>
    public async Task StartAsync()
    {
        if (server is not null)
        {
            return;
        }
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new EndpointListenerFactory();
        listeners.EndpointStarted += (_, _) => listening.TrySetResult();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listeners);
        services.Add(new Store(this));
        server = new SmtpServer.SmtpServer(new SmtpServerOptionsBuilder()
            .ServerName("loopback.test")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build(), services);
        running = server.StartAsync(CancellationToken.None);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Down: stops listening and closes every open session, as a server restarting does.</summary>
    public async Task StopAsync()
    {
        if (server is null || running is null)
        {
            return;
        }
        server.Shutdown();
        await running.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        server = null;
        running = null;
    }

    /// <summary>Waits until at least <paramref name="count"/> messages have been accepted; returns them.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(int count, TimeSpan timeout)
    {
        TaskCompletionSource done;
        lock (gate)
        {
            if (received.Count >= count)
            {
                return [.. received];
            }
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((count, done));
        }
        try
        {
            await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the SMTP server received {Received.Count} message(s) in {timeout}, not {count}");
        }
        return Received;
    }

    SmtpResponse Take(MimeMessage message)
    {
        lock (gate)
        {
            if (refuse > 0)
            {
                refuse--;
                return new SmtpResponse((SmtpReplyCode)451, "4.3.0 try again later");
            }
            received.Add(message);
            foreach (var waiter in waiters.Where(w => received.Count >= w.Count).ToList())
            {
                waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
            return SmtpResponse.Ok;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    sealed class Store(LoopbackSmtp owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            return owner.Take(await MimeMessage.LoadAsync(stream, cancellationToken));
        }
    }
}
