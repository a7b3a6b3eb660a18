using System.Net;
using System.Text;
using System.Text.Json;
using ComplianceLedger.Api.Notices;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Scheduling;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Notices;

/// <summary>
/// Rule 1 end to end: publishing a version emails, through a real SMTP server on loopback, each
/// person who must acknowledge it (and the head, for people long overdue), one message each; the
/// ledger records each message's id and never its text; after an acknowledgement the person hears
/// no more, while the others are chased on the next weekly day.
/// </summary>
public sealed class AcknowledgementNoticeTests(NoticesApp app) : IClassFixture<NoticesApp>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Publishing_emails_each_person_who_must_acknowledge_once_and_the_ledger_records_only_that_it_was_sent()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var urn = school.Urn;

        // Effective 1 September with 14 days: by today everyone in the audience is long overdue, so the head is told too.
        Assert.True(await ScheduledWorkApp.EventuallyAsync(() => Task.FromResult(app.MessagesFor(urn).Count >= 3), Patience),
            $"expected messages to the teacher, the support staff and the head; got {app.MessagesFor(urn).Count}");
        await Task.Delay(TimeSpan.FromSeconds(3));
        var messages = app.MessagesFor(urn);
        Assert.Equal(3, messages.Count);

        var teacher = Assert.Single(app.MessagesTo(urn, Role.Teacher));
        Assert.Equal("ledger@test.sch.uk", teacher.From.Mailboxes.Single().Address);
        Assert.StartsWith("Overdue:", teacher.Subject, StringComparison.Ordinal);
        Assert.Contains("Social Media Policy version 1", teacher.TextBody, StringComparison.Ordinal);
        Assert.Contains("Tuesday 15 September 2026", teacher.TextBody, StringComparison.Ordinal);
        Assert.Contains($"/schools/{urn}/policies/social-media", teacher.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("cannot be turned off", teacher.TextBody, StringComparison.Ordinal);
        Assert.Single(app.MessagesTo(urn, Role.SupportStaff));
        var head = Assert.Single(app.MessagesTo(urn, Role.Headteacher));
        // One message for the head, naming both people overdue.
        Assert.Equal(2, (head.TextBody ?? "").Split("has not acknowledged").Length - 1);
        foreach (var role in new[] { Role.Governor, Role.Office, Role.Dsl, Role.Volunteer })
        {
            Assert.Empty(app.MessagesTo(urn, role));
        }

        var sent = Assert.Single(await app.SentEventsAsync(urn, school.People[Role.Teacher]));
        var data = JsonDocument.Parse(sent).RootElement;
        Assert.Equal($"<{teacher.MessageId}>", data.GetProperty("messageId").GetString());
        Assert.Equal(NoticeKinds.AcknowledgementOverdue, data.GetProperty("notices")[0].GetProperty("kind").GetString());
        Assert.Equal("social-media:1", data.GetProperty("notices")[0].GetProperty("subject").GetString());
        // Never the address, the subject line or the text.
        Assert.DoesNotContain(NoticesApp.Address(urn, Role.Teacher), sent, StringComparison.Ordinal);
        Assert.DoesNotContain("Social Media Policy", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("Overdue", sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_an_acknowledgement_the_person_hears_no_more_while_the_others_are_chased_on_the_next_weekly_day()
    {
        // The next weekly overdue day after today (the deadline was 15 September: Wednesdays from the 16th), at 07:30.
        // The clock jumps there in 25 s: the first round and the acknowledgement happen before.
        var today = SchoolDay.Of(app.Clock.GetUtcNow());
        var next = new DateOnly(2026, 9, 16);
        while (next <= today)
        {
            next = next.AddDays(7);
        }
        var jump = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(25);
        app.Clock.JumpAt(jump, Reminders.MorningOf(next) + TimeSpan.FromMinutes(30));

        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var urn = school.Urn;
        Assert.True(await ScheduledWorkApp.EventuallyAsync(() => Task.FromResult(app.MessagesFor(urn).Count >= 3), Patience), "the first round was not sent");

        var teacher = await school.As(Role.Teacher);
        var acknowledged = await teacher.PostAsync($"/api/schools/{urn}/policies/social-media/acknowledgements", new StringContent(
            $$"""{"versionLabel":"1","documentSha256":"{{PeopleAndPolicyContractTests.Sha}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, acknowledged.StatusCode);

        Assert.True(DateTimeOffset.UtcNow < jump, "the acknowledgement must be made before the clock jumps");

        Assert.True(await ScheduledWorkApp.EventuallyAsync(() => Task.FromResult(app.MessagesTo(urn, Role.SupportStaff).Count >= 2), Patience),
            "the support staff were not chased again: " + await app.ReportAsync());
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(app.MessagesTo(urn, Role.Teacher));
        Assert.Equal(2, app.MessagesTo(urn, Role.SupportStaff).Count);
        Assert.StartsWith("Overdue:", app.MessagesTo(urn, Role.SupportStaff)[1].Subject, StringComparison.Ordinal);
        // The head's second message names only the one still overdue.
        var heads = app.MessagesTo(urn, Role.Headteacher);
        Assert.Equal(2, heads.Count);
        Assert.Equal(1, (heads[1].TextBody ?? "").Split("has not acknowledged").Length - 1);
        Assert.Equal(2, (await app.SentEventsAsync(urn, school.People[Role.SupportStaff])).Count);
    }
    [Fact]
    public async Task A_refusing_mail_server_is_retried_and_each_message_still_goes_once()
    {
        // The server refuses the next two messages (451); Wolverine retries them (after 1 s and 2 s here).
        app.Smtp.RefuseNext(2);
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var urn = school.Urn;

        Assert.True(await ScheduledWorkApp.EventuallyAsync(() => Task.FromResult(app.MessagesFor(urn).Count >= 3), Patience),
            $"the refused messages were not sent again: {app.MessagesFor(urn).Count}; " + await app.ReportAsync());
        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (var role in new[] { Role.Teacher, Role.SupportStaff, Role.Headteacher })
        {
            Assert.Single(app.MessagesTo(urn, role));
            Assert.Single(await app.SentEventsAsync(urn, school.People[role]));
        }
        // Sent since the refusals: mail is healthy again.
        var health = JsonDocument.Parse(await (await app.Client().GetAsync("/health/ready")).Content.ReadAsStringAsync()).RootElement;
        var mail = health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "mail");
        Assert.Equal("Healthy", mail.GetProperty("status").GetString());
    }
    [Fact]
    public async Task Only_a_message_with_optional_copies_offers_to_stop_them_and_its_one_click_link_records_the_choice()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var urn = school.Urn;
        Assert.True(await ScheduledWorkApp.EventuallyAsync(() => Task.FromResult(app.MessagesFor(urn).Count >= 3), Patience), "the first round was not sent");

        // The teacher's own deadline: no way to turn it off.
        Assert.False(app.MessagesTo(urn, Role.Teacher)[0].Headers.Contains("List-Unsubscribe"));
        var head = app.MessagesTo(urn, Role.Headteacher)[0];
        Assert.Equal("List-Unsubscribe=One-Click", head.Headers["List-Unsubscribe-Post"]);
        var link = new Uri((head.Headers["List-Unsubscribe"] ?? "").Trim('<', '>'));
        Assert.Equal($"/notices/{urn}/{school.People[Role.Headteacher]:D}/stop-copies", link.AbsolutePath);

        // A link with another token stops nothing.
        var client = app.Client();
        var forged = await client.PostAsync(link.AbsolutePath + "?token=" + new string('0', 64),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }));
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.Empty(await app.EventsAsync(urn, $"notices-{school.People[Role.Headteacher]:D}", "notices.opted-out.v1"));

        // The mail client's one-click POST, with no cookie and no antiforgery token.
        var page = await client.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var stopped = await client.PostAsync(link.PathAndQuery, new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }));
        Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        Assert.Contains("Copies stopped", await stopped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var again = await client.PostAsync(link.PathAndQuery, new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Single(await app.EventsAsync(urn, $"notices-{school.People[Role.Headteacher]:D}", "notices.opted-out.v1"));
    }
}
