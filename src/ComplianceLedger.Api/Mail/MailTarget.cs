using MailKit.Security;
using Microsoft.Extensions.Options;

namespace ComplianceLedger.Api.Mail;

/// <summary>An SMTP server to connect to.</summary>
public sealed record MailServer(string Host, int Port, SecureSocketOptions Security)
{
    public string Describe() => $"{Host}:{Port}";
}

/// <summary>Where mail goes: the configured server, else (Development) the app's own catcher, else nowhere.</summary>
public sealed class MailTarget(IOptions<MailOptions> options, LocalMailServer local)
{
    public bool Configured => options.Value.HasServer;

    public async ValueTask<MailServer?> ResolveAsync(CancellationToken ct)
    {
        var settings = options.Value;
        if (settings.HasServer)
        {
            return new MailServer(settings.Host!, settings.EffectivePort, settings.Security switch
            {
                MailSecurity.None => SecureSocketOptions.None,
                MailSecurity.StartTls => SecureSocketOptions.StartTls,
                MailSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.Auto,
            });
        }
        return local.Enabled ? new MailServer("127.0.0.1", await local.PortAsync(ct), SecureSocketOptions.None) : null;
    }

    public string Describe()
    {
        var settings = options.Value;
        return settings.HasServer ? $"{settings.Host}:{settings.EffectivePort}"
            : local.Enabled ? "the app's development mail catcher (/dev/mail)"
            : "no mail server configured (Ledger:Mail:Host): no notices are sent";
    }
}
