using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.Mail;
using ComplianceLedger.Api.People;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace ComplianceLedger.Tests.Mail;

/// <summary>The sender against a real SMTP server on loopback: what arrives, refusals, the server going away.</summary>
public sealed class MailSenderTests(MailApp app) : IClassFixture<MailApp>
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    MailSender Sender => app.Services.GetRequiredService<MailSender>();

    [Fact]
    public async Task A_text_and_html_message_arrives_intact_with_its_message_id_and_unsubscribe_headers()
    {
        var before = app.Smtp.Received.Count;
        var sent = Messages.Notice("Social media policy: please read by 15 September", unsubscribe: true);

        await Sender.SendAsync(sent, CancellationToken.None);

        var got = (await app.Smtp.WaitForAsync(before + 1, Wait)).Single(m => m.MessageId == sent.MessageId);
        Assert.Equal("Social media policy: please read by 15 September", got.Subject);
        Assert.Equal("notices@oakfield.sch.example", got.From.Mailboxes.Single().Address);
        Assert.Equal("dana.whitfield@calcot.sch.example", got.To.Mailboxes.Single().Address);
        Assert.Equal("<https://ledger.example/notices/unsubscribe?t=abc>", got.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", got.Headers["List-Unsubscribe-Post"]);
        var alternative = Assert.IsType<MultipartAlternative>(got.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.Equal("Please read the social media policy by 15 September.\n", got.TextBody!.ReplaceLineEndings("\n"));
        Assert.Contains("<strong>social media policy</strong>", got.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public void From_is_the_trusts_own_address_else_the_ledgers()
    {
        var settings = app.Services.GetRequiredService<MailSettings>();

        Assert.Equal(new MailboxAddress("Kennet Valley Trust", "notices@kennet.example"), settings.FromFor("kennet"));
        Assert.Equal(new MailboxAddress("Oakfield School", "notices@oakfield.sch.example"), settings.FromFor("another-trust"));
        Assert.Equal(new MailboxAddress("Oakfield School", "notices@oakfield.sch.example"), settings.FromFor(null));
    }

    [Fact]
    public async Task A_refusing_server_gives_MailDeliveryException_and_mail_Degraded_until_a_send_succeeds()
    {
        app.Smtp.RefuseNext(2);

        var first = await Assert.ThrowsAsync<MailDeliveryException>(() => Sender.SendAsync(Messages.Notice("Refused once"), CancellationToken.None));
        await Assert.ThrowsAsync<MailDeliveryException>(() => Sender.SendAsync(Messages.Notice("Refused twice"), CancellationToken.None));

        Assert.Contains("refused", first.Message, StringComparison.Ordinal);
        Assert.Contains("451", first.Message, StringComparison.Ordinal);
        var degraded = await MailCheckAsync();
        Assert.Equal("Degraded", degraded.GetProperty("status").GetString());
        Assert.Contains("451", degraded.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, degraded.GetProperty("data").GetProperty("failuresSinceSuccess").GetInt32());

        var sent = Messages.Notice("Accepted again");
        await Sender.SendAsync(sent, CancellationToken.None);

        Assert.Contains(await app.Smtp.WaitForAsync(1, Wait), m => m.MessageId == sent.MessageId);
        Assert.DoesNotContain(app.Smtp.Received, m => m.Subject!.StartsWith("Refused", StringComparison.Ordinal));
        var healthy = await MailCheckAsync();
        Assert.Equal("Healthy", healthy.GetProperty("status").GetString());
        Assert.Equal(0, healthy.GetProperty("data").GetProperty("failuresSinceSuccess").GetInt32());
    }

    [Fact]
    public async Task The_pool_reconnects_after_the_server_restarts_and_a_down_server_is_a_MailDeliveryException()
    {
        await Sender.SendAsync(Messages.Notice("Before the restart"), CancellationToken.None);
        await app.Smtp.StopAsync();
        try
        {
            var down = await Assert.ThrowsAsync<MailDeliveryException>(() => Sender.SendAsync(Messages.Notice("While down"), CancellationToken.None));
            Assert.Contains("could not be reached", down.Message, StringComparison.Ordinal);
            Assert.Equal("Degraded", (await MailCheckAsync()).GetProperty("status").GetString());
        }
        finally
        {
            await app.Smtp.StartAsync();
        }

        // Every pooled connection was cut by the restart: each send must find a working one.
        var after = Enumerable.Range(1, 4).Select(i => Messages.Notice($"After the restart {i}")).ToList();
        await Task.WhenAll(after.Select(m => Sender.SendAsync(m, CancellationToken.None)));

        var received = await app.Smtp.WaitForAsync(1, Wait);
        Assert.All(after, m => Assert.Contains(received, r => r.MessageId == m.MessageId));
        Assert.DoesNotContain(received, m => m.Subject == "While down");
        Assert.Equal("Healthy", (await MailCheckAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_office_page_says_mail_is_not_being_sent_while_it_fails()
    {
        var school = await app.SchoolAsync("300151", Role.Headteacher, Role.Office);
        var office = await school.As(Role.Office);
        app.Smtp.RefuseNext(1);
        await Assert.ThrowsAsync<MailDeliveryException>(() => Sender.SendAsync(Messages.Notice("Refused for the banner"), CancellationToken.None));

        var failing = await office.GetStringAsync($"/schools/{school.Urn}/accounts");

        Assert.Contains("Email is not being sent: the mail server refused the message (451", failing, StringComparison.Ordinal);
        Assert.Contains("1 message is waiting and will be retried.", failing, StringComparison.Ordinal);

        await Sender.SendAsync(Messages.Notice("Accepted after the banner"), CancellationToken.None);
        var sending = await office.GetStringAsync($"/schools/{school.Urn}/accounts");
        Assert.DoesNotContain("Email is not being sent", sending, StringComparison.Ordinal);
        Assert.Contains("Official accounts", sending, StringComparison.Ordinal);
    }

    [Fact]
    public void Wolverine_retries_a_MailDeliveryException_after_the_configured_delays()
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MailOptions>>().Value;

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], options.EffectiveRetryDelays);
        // Wolverine refuses more than 25 at start-up; the default covers two days within that.
        Assert.Equal(MailOptions.MaxRetries, MailOptions.DefaultRetryDelays.Count);
        Assert.Equal(TimeSpan.FromMinutes(1), MailOptions.DefaultRetryDelays[0]);
        Assert.InRange(MailOptions.DefaultRetryDelays.Aggregate(TimeSpan.Zero, (a, b) => a + b), TimeSpan.FromHours(48), TimeSpan.FromHours(50));
    }

    async Task<JsonElement> MailCheckAsync()
    {
        var report = await app.Client().GetFromJsonAsync<JsonElement>("/health/ready");
        return report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "mail");
    }
}
