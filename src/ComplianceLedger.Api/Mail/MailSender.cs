using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Sockets;
using ComplianceLedger.EventStore;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace ComplianceLedger.Api.Mail;

/// <summary>
/// Sends the ledger's messages over SMTP (MailKit), to the server configured under <c>Ledger:Mail</c>.
/// A few connections (<c>Ledger:Mail:Connections</c>) stay open and are reused: a digest run sends
/// thousands of messages, and a TLS handshake and login per message would cost more than the message.
/// </summary>
public sealed class MailSender : IDisposable
{
    static readonly Counter<long> Sends = LedgerTelemetry.Meter.CreateCounter<long>(
        "ledger.mail.sends", "{message}", "Messages handed to the SMTP server, by outcome (sent, refused, unreachable).");

    readonly MailTarget target;
    readonly MailHealth health;
    readonly ILogger<MailSender> logger;
    readonly TimeSpan timeout;
    readonly string? user;
    readonly string? password;
    readonly SemaphoreSlim slots;
    readonly ConcurrentBag<SmtpClient> idle = [];

    public MailSender(IOptions<MailOptions> options, MailTarget target, MailHealth health, ILogger<MailSender> logger)
    {
        var settings = options.Value;
        this.target = target;
        this.health = health;
        this.logger = logger;
        timeout = settings.Timeout;
        user = settings.User;
        password = settings.Password;
        slots = new SemaphoreSlim(settings.Connections, settings.Connections);
    }

    /// <summary>Sends <paramref name="message"/> as it is (From, To, Message-ID set by the caller).</summary>
    /// <exception cref="MailDeliveryException">The server refused it or could not be reached; Wolverine retries.</exception>
    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var activity = LedgerTelemetry.Source.StartActivity("mail send", ActivityKind.Client);
        activity?.SetTag("messaging.message.id", message.MessageId);
        activity?.SetTag("mail.recipients", message.To.Count + message.Cc.Count + message.Bcc.Count);
        var started = Stopwatch.GetTimestamp();
        await slots.WaitAsync(ct);
        try
        {
            await SendOnPoolAsync(message, ct);
        }
        catch (MailDeliveryException e)
        {
            Record(activity, e.Outcome, e.Message);
            MailLog.NotSent(logger, message.MessageId, e.Message);
            throw;
        }
        finally
        {
            slots.Release();
        }
        Record(activity, "sent", null);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var domains = string.Join(",", message.To.Mailboxes.Concat(message.Cc.Mailboxes).Select(m => m.Domain).Distinct(StringComparer.OrdinalIgnoreCase));
            var recipients = message.To.Count + message.Cc.Count + message.Bcc.Count;
            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            MailLog.Sent(logger, message.MessageId, recipients, domains, elapsedMs);
        }
    }

    void Record(Activity? activity, string outcome, string? reason)
    {
        Sends.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        activity?.SetTag("mail.outcome", outcome);
        if (reason is null)
        {
            health.Succeeded();
        }
        else
        {
            activity?.SetStatus(ActivityStatusCode.Error, reason);
            health.Failed(reason);
        }
    }

    async Task SendOnPoolAsync(MimeMessage message, CancellationToken ct)
    {
        var server = await target.ResolveAsync(ct)
            ?? throw new MailDeliveryException("no mail server is configured (Ledger:Mail:Host)", outcome: "unreachable");
        // A pooled connection may have been closed by the server since (an idle timeout, a restart):
        // one failure on it is retried once on a fresh connection before the message counts as not sent.
        var reused = idle.TryTake(out var client);
        client ??= NewClient();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await ConnectAsync(client, server, ct);
                await client.SendAsync(message, ct);
                idle.Add(client);
                return;
            }
            catch (SmtpCommandException e)
            {
                // The server answered and refused: the connection is still good for the next message.
                ReturnOrDrop(client);
                throw new MailDeliveryException(
                    $"the mail server refused the message ({((int)e.StatusCode).ToString(CultureInfo.InvariantCulture)} {OneLine(e.Message)})", e, "refused");
            }
            catch (AuthenticationException e)
            {
                Drop(client);
                throw new MailDeliveryException("the mail server refused the sign-in (Ledger:Mail:User and Password)", e, "refused");
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException or SslHandshakeException or TimeoutException
                                      || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                Drop(client);
                if (reused && attempt == 0)
                {
                    var described = server.Describe();
                    MailLog.Reconnecting(logger, described);
                    client = NewClient();
                    continue;
                }
                throw new MailDeliveryException($"the mail server {server.Describe()} could not be reached ({OneLine(e.Message)})", e, "unreachable");
            }
        }
    }

    SmtpClient NewClient() => new() { Timeout = (int)timeout.TotalMilliseconds };

    async Task ConnectAsync(SmtpClient client, MailServer server, CancellationToken ct)
    {
        if (client.IsConnected)
        {
            return;
        }
        await client.ConnectAsync(server.Host, server.Port, server.Security, ct);
        if (!string.IsNullOrEmpty(user) && client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
        {
            await client.AuthenticateAsync(user, password ?? "", ct);
        }
    }

    void ReturnOrDrop(SmtpClient client)
    {
        if (client.IsConnected)
        {
            idle.Add(client);
        }
        else
        {
            Drop(client);
        }
    }

    static void Drop(SmtpClient client)
    {
        try
        {
            client.Dispose();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Already gone: nothing to close.
        }
    }

    static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    public void Dispose()
    {
        while (idle.TryTake(out var client))
        {
            if (client.IsConnected)
            {
                try
                {
                    client.Disconnect(quit: true);
                }
                catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException)
                {
                    // Closing anyway.
                }
            }
            Drop(client);
        }
        slots.Dispose();
    }
}

/// <summary>A message the SMTP server did not take: refused, or the server could not be reached.</summary>
public sealed class MailDeliveryException(string message, Exception? inner = null, string outcome = "refused") : Exception(message, inner)
{
    /// <summary><c>refused</c> or <c>unreachable</c>, for the counter.</summary>
    public string Outcome { get; } = outcome;
}

/// <summary>The mail settings other code needs: who the ledger's messages come from.</summary>
public sealed class MailSettings(IOptions<MailOptions> options)
{
    /// <summary>The trust's From address (<c>Ledger:Mail:FromByTrust:{trustId}</c>), else <c>Ledger:Mail:From</c>.</summary>
    public MailboxAddress FromFor(string? trustId)
    {
        var settings = options.Value;
        var text = trustId is not null && settings.FromByTrust.TryGetValue(trustId, out var byTrust) ? byTrust
            : !string.IsNullOrWhiteSpace(settings.From) ? settings.From
            : MailOptions.DevelopmentFrom;
        return MailboxAddress.Parse(text);
    }
}
