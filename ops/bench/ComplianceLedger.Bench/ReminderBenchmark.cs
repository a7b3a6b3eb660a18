using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ComplianceLedger.Api.Notices;
using MailKit.Security;
using MimeKit;
using SmtpServer;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using SmtpClient = MailKit.Net.Smtp.SmtpClient;

namespace ComplianceLedger.Bench;

/// <summary>
/// An SMTP server on loopback that takes every message and keeps only when it came and its
/// Message-ID: what the reminders figure counts (arrivals, rate, duplicates).
/// </summary>
sealed class CountingSmtp : IAsyncDisposable
{
    readonly Lock gate = new();
    readonly List<(TimeSpan At, string MessageId)> arrivals = [];
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly SmtpServer.SmtpServer server;
    readonly Task running;

    CountingSmtp(int port)
    {
        Port = port;
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        server = new SmtpServer.SmtpServer(new SmtpServerOptionsBuilder()
            .ServerName("bench.loopback")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build(), services);
        running = server.StartAsync(CancellationToken.None);
    }

    public int Port { get; }

    public static CountingSmtp Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new CountingSmtp(port);
    }

    /// <summary>Time on this server's own stopwatch, to compare with arrivals.</summary>
    public TimeSpan Now => clock.Elapsed;

    public int Count
    {
        get
        {
            lock (gate)
            {
                return arrivals.Count;
            }
        }
    }

    public List<(TimeSpan At, string MessageId)> Arrivals()
    {
        lock (gate)
        {
            return [.. arrivals];
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            arrivals.Clear();
        }
    }

    void Take(string messageId)
    {
        lock (gate)
        {
            arrivals.Add((clock.Elapsed, messageId));
        }
    }

    public async ValueTask DisposeAsync()
    {
        server.Shutdown();
        await running.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    sealed class Store(CountingSmtp owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            // The headers are enough: the Message-ID is what duplicates are counted by.
            using var stream = new MemoryStream(buffer.ToArray());
            var headers = await HeaderList.LoadAsync(stream, cancellationToken);
            owner.Take(headers[HeaderId.MessageId] ?? "");
            return SmtpResponse.Ok;
        }
    }
}

static class ReminderBenchmark
{
    /// <summary>
    /// The baseline: as many messages of the same shape sent straight through MailKit to the same
    /// server over as many connections as the app keeps (<c>Ledger:Mail:Connections</c>, 4): the
    /// transport alone, with nothing read from or written to the ledger.
    /// </summary>
    public static async Task<TimeSpan> SendDirectAsync(CountingSmtp smtp, int count, int connections, CancellationToken ct)
    {
        smtp.Clear();
        var from = new MailboxAddress("ComplianceLedger", "ledger@bench.sch.uk");
        var watch = Stopwatch.StartNew();
        await Parallel.ForAsync(0, connections, new ParallelOptions { MaxDegreeOfParallelism = connections, CancellationToken = ct }, async (k, token) =>
        {
            using var client = new SmtpClient();
            var sent = 0;
            for (var i = k; i < count; i += connections)
            {
                // The server ends a session after some thousands of messages; a fresh one every 500.
                if (sent++ % 500 == 0)
                {
                    if (client.IsConnected)
                    {
                        await client.DisconnectAsync(true, token);
                    }
                    await client.ConnectAsync("127.0.0.1", smtp.Port, SecureSocketOptions.None, token);
                }
                var message = NoticeMessage.Build(from, new MailboxAddress($"Person {i}", $"person.{i}@bench.sch.uk"), $"direct.{i}@bench.sch.uk",
                    "Synthetic School", $"Person {i}",
                    [new NoticeLine(NoticeKinds.AcknowledgementRequested, "Please read and acknowledge Policy 1 version bench-2 by Monday 21 December 2026.",
                        "http://localhost:5075/schools/200000/policies/policy-1")], unsubscribeUrl: null);
                await client.SendAsync(message, token);
            }
            await client.DisconnectAsync(true, token);
        });
        watch.Stop();
        if (smtp.Count != count)
        {
            throw new InvalidOperationException($"The direct send delivered {smtp.Count} of {count} messages.");
        }
        return watch.Elapsed;
    }
}
