using ComplianceLedger.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting;
using MimeKit;

namespace ComplianceLedger.Tests.Mail;

/// <summary>The app sending to a <see cref="LoopbackSmtp"/> server, with From per trust and retries in seconds.</summary>
public sealed class MailApp : LedgerApp
{
    LoopbackSmtp? smtp;

    public LoopbackSmtp Smtp => smtp ?? throw new InvalidOperationException("not started");

    public override async Task InitializeAsync()
    {
        smtp = await LoopbackSmtp.StartNewAsync();
        await base.InitializeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder web)
    {
        web.UseSetting("Ledger:Mail:Host", LoopbackSmtp.Host);
        web.UseSetting("Ledger:Mail:Port", Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        web.UseSetting("Ledger:Mail:Security", "None");
        web.UseSetting("Ledger:Mail:From", "Oakfield School <notices@oakfield.sch.example>");
        web.UseSetting("Ledger:Mail:FromByTrust:kennet", "Kennet Valley Trust <notices@kennet.example>");
        web.UseSetting("Ledger:Mail:Connections", "2");
        web.UseSetting("Ledger:Mail:Timeout", "00:00:05");
        web.UseSetting("Ledger:Mail:RetryDelays:0", "00:00:01");
        web.UseSetting("Ledger:Mail:RetryDelays:1", "00:00:02");
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (smtp is not null)
        {
            await smtp.DisposeAsync();
        }
    }
}

static class Messages
{
    /// <summary>A notice-like message: plain text and HTML, a stable Message-ID and, when asked, the unsubscribe headers.</summary>
    public static MimeMessage Notice(string subject, string to = "dana.whitfield@calcot.sch.example", bool unsubscribe = false, string? id = null)
    {
        var message = new MimeMessage
        {
            Subject = subject,
            MessageId = id ?? $"notice.139001.{Guid.CreateVersion7():N}.2026-09-08@oakfield.sch.example",
        };
        message.From.Add(MailboxAddress.Parse("Oakfield School <notices@oakfield.sch.example>"));
        message.To.Add(MailboxAddress.Parse(to));
        if (unsubscribe)
        {
            message.Headers.Add("List-Unsubscribe", "<https://ledger.example/notices/unsubscribe?t=abc>");
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        message.Body = new BodyBuilder
        {
            TextBody = "Please read the social media policy by 15 September.\n",
            HtmlBody = "<p>Please read the <strong>social media policy</strong> by 15 September.</p><script>parent.document.title='owned'</script>",
        }.ToMessageBody();
        return message;
    }
}
