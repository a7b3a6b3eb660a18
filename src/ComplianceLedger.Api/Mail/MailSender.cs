using MimeKit;

namespace ComplianceLedger.Api.Mail;

/// <summary>Sends the ledger's messages over SMTP (MailKit), to the server configured under <c>Ledger:Mail</c>.</summary>
public sealed class MailSender
{
    /// <summary>Sends <paramref name="message"/> as it is (From, To, Message-ID set by the caller).</summary>
    /// <exception cref="MailDeliveryException">The server refused it or could not be reached; Wolverine retries.</exception>
    public Task SendAsync(MimeMessage message, CancellationToken ct) => throw new NotImplementedException();
}

/// <summary>A message the SMTP server did not take: refused, or the server could not be reached.</summary>
public sealed class MailDeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The mail settings other code needs: who the ledger's messages come from.</summary>
public sealed class MailSettings
{
    /// <summary>The trust's From address (<c>Ledger:Mail:FromByTrust:{trustId}</c>), else <c>Ledger:Mail:From</c>.</summary>
    public MailboxAddress FromFor(string? trustId) => throw new NotImplementedException();
}
