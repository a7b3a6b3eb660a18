using System.Net;
using System.Text.RegularExpressions;
using ComplianceLedger.Api.Mail;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ComplianceLedger.Tests.Mail;

/// <summary>Development with no mail server: the app catches its own mail and shows it at /dev/mail.</summary>
public sealed partial class DevMailTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    [Fact]
    public async Task A_message_sent_in_Development_is_listed_at_dev_mail_with_markup_in_its_subject_escaped()
    {
        var sent = Messages.Notice("<script>alert(1)</script> Policy to read", to: "sam.okafor@oakfield.sch.example");
        await app.Services.GetRequiredService<MailSender>().SendAsync(sent, CancellationToken.None);

        var client = app.Client();
        var inbox = await client.GetStringAsync("/dev/mail");

        Assert.Contains("sam.okafor@oakfield.sch.example", inbox, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; Policy to read", inbox, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)", inbox, StringComparison.Ordinal);
        var link = MessageLink().Match(inbox);
        Assert.True(link.Success, inbox);

        var page = await client.GetStringAsync(link.Groups[1].Value);
        Assert.Contains("Please read the social media policy by 15 September.", page, StringComparison.Ordinal);
        Assert.Contains(sent.MessageId!, page, StringComparison.Ordinal);
        // The HTML part only inside an empty sandbox, as attribute text: its script is never the page's.
        var frame = Frame().Match(page);
        Assert.True(frame.Success, page);
        Assert.Contains("&lt;strong&gt;social media policy&lt;/strong&gt;", frame.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>parent", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_that_was_never_caught_is_not_found()
    {
        var response = await app.Client().GetAsync("/dev/mail/999999");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void The_catcher_keeps_the_last_200_messages()
    {
        var local = app.Services.GetRequiredService<LocalMailServer>();
        Assert.True(local.Enabled);
        Assert.Equal(200, LocalMailServer.Kept);
    }

    [Fact]
    public void Settings_that_cannot_work_are_refused_in_plain_words()
    {
        var result = new MailOptionsValidator().Validate(null, new MailOptions
        {
            Host = "smtp.example",
            Port = 70000,
            Connections = 0,
            User = "ledger",
            FromByTrust = { ["kennet"] = "not an address" },
        });

        Assert.True(result.Failed);
        Assert.Equal(
        [
            "Ledger:Mail:Port must be between 1 and 65535 (it is 70000).",
            "Ledger:Mail:Connections must be between 1 and 64 (it is 0).",
            "Ledger:Mail:From is required with a mail server: the address the ledger's messages come from, e.g. \"Oakfield School <notices@oakfield.sch.uk>\".",
            "Ledger:Mail:FromByTrust:kennet is not an email address: \"not an address\".",
            "Ledger:Mail:User is set but Ledger:Mail:Password is not.",
        ], result.Failures);
        Assert.True(new MailOptionsValidator().Validate(null, new MailOptions { Host = "smtp.example", From = "a@b.example" }).Succeeded);
        Assert.Equal(ValidateOptionsResult.Success, new MailOptionsValidator().Validate(null, new MailOptions()));
    }

    [GeneratedRegex("href=\"(/dev/mail/\\d+)\"")]
    private static partial Regex MessageLink();

    // An empty sandbox (Razor writes sandbox="" as the bare attribute, the same in HTML): no token allows anything.
    [GeneratedRegex("<iframe(?=[^>]*\\ssandbox(?:=\"\")?[\\s>])[^>]*>")]
    private static partial Regex Frame();
}
