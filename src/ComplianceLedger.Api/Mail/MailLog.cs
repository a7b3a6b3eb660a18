namespace ComplianceLedger.Api.Mail;

/// <summary>The mail's log lines: never a body, a subject line or a whole address (only its domain).</summary>
internal static partial class MailLog
{
    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Mail {MessageId} sent to {Recipients} recipient(s) at {Domains} in {ElapsedMs} ms")]
    public static partial void Sent(ILogger logger, string? messageId, int recipients, string domains, long elapsedMs);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Mail {MessageId} not sent: {Reason}")]
    public static partial void NotSent(ILogger logger, string? messageId, string reason);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Information, Message = "Connection to the mail server {Server} lost; reconnecting")]
    public static partial void Reconnecting(ILogger logger, string server);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Information, Message = "Development mail is caught in the app at 127.0.0.1:{Port}; read it at /dev/mail")]
    public static partial void LocalMailListening(ILogger logger, int port);

    // Information, not a warning: expected whenever two apps (or test hosts) run on one machine.
    [LoggerMessage(EventId = 1505, Level = LogLevel.Information, Message = "Port {Wanted} is taken; development mail is caught on another port")]
    public static partial void LocalMailPortTaken(ILogger logger, int wanted);

    [LoggerMessage(EventId = 1506, Level = LogLevel.Warning, Message = "No mail server is configured (Ledger:Mail:Host): no notices will be sent")]
    public static partial void NoServer(ILogger logger);
}
