using System.Globalization;
using System.Net;
using System.Text;
using ComplianceLedger.Api.Notices;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Exceptions;
using ComplianceLedger.Tests.Scheduling;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Notices;

/// <summary>
/// Rule 2 end to end: an exception approved to a date under 14 days away is put to its holder at
/// once (the head copied), and when the clock passes its last day the lapse is told to both, each in
/// its own message on its own day.
/// </summary>
public sealed class ExceptionNoticeTests(NoticesApp app) : IClassFixture<NoticesApp>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_holder_and_the_head_hear_before_an_approved_exception_ends_and_again_when_it_lapses()
    {
        // In 35 s the clock moves to the morning after the last day: the approval happens before.
        var today = SchoolDay.Of(app.Clock.GetUtcNow());
        var until = today.AddDays(10);
        var jump = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(35);
        app.Clock.JumpAt(jump, Reminders.MorningOf(until.AddDays(1)) + TimeSpan.FromMinutes(30));

        var school = await app.SchoolAsync("139911", UseCase.AllRoles);
        var head = await school.As(Role.Headteacher);
        // Only volunteers must acknowledge it: the teacher's and the head's day is free for this rule.
        var published = await head.PostAsync($"/api/schools/{school.Urn}/policies/social-media/versions", new StringContent($$"""
            {"title":"Social Media Policy","versionLabel":"1","documentSha256":"{{PeopleAndPolicyContractTests.Sha}}","effectiveFrom":"2026-09-01",
             "reviewCycleYears":1,"responsibleCommittee":"Full governing board","audiences":["volunteer"],"daysToAcknowledge":14,"maxExceptionDays":365}
            """, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        var item = await ExceptionArrangements.CreatedIdAsync(await school.As(Role.Teacher), $"/api/schools/{school.Urn}/exceptions", ExceptionArrangements.Request);
        await ExceptionArrangements.PostOkAsync(head, $"/api/schools/{school.Urn}/exceptions/{item}/approval",
            new { conditions = "Trip hours only.", until = until.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
        Assert.True(DateTimeOffset.UtcNow < jump, "the approval must be recorded before the clock jumps");

        Assert.True(await ScheduledWorkApp.EventuallyAsync(
            () => Task.FromResult(app.MessagesTo(school.Urn, Role.Teacher).Count >= 1 && app.MessagesTo(school.Urn, Role.Headteacher).Count >= 1), Patience),
            "the holder and the head were not told: " + await app.ReportAsync());
        var lastDay = until.ToString("dddd d MMMM yyyy", CultureInfo.InvariantCulture);
        var holder = Assert.Single(app.MessagesTo(school.Urn, Role.Teacher));
        Assert.Contains($"Your approved exception (personal contact) ends after {lastDay}. If you still need it, ask for an extension before then.",
            holder.TextBody, StringComparison.Ordinal);
        Assert.Contains($"/schools/{school.Urn}/exceptions/{item}", holder.HtmlBody, StringComparison.Ordinal);
        Assert.False(holder.Headers.Contains("List-Unsubscribe"));
        var copy = Assert.Single(app.MessagesTo(school.Urn, Role.Headteacher));
        Assert.Contains($"Teacher of {school.Urn}'s approved exception (personal contact) ends after {lastDay}.", copy.TextBody, StringComparison.Ordinal);
        // The head's copy is optional: it says how to stop such copies.
        Assert.True(copy.Headers.Contains("List-Unsubscribe"));

        Assert.True(await ScheduledWorkApp.EventuallyAsync(
            () => Task.FromResult(app.MessagesTo(school.Urn, Role.Teacher).Count >= 2 && app.MessagesTo(school.Urn, Role.Headteacher).Count >= 2), Patience),
            "the lapse was not told: " + await app.ReportAsync());
        await Task.Delay(TimeSpan.FromSeconds(3));
        var lapsed = app.MessagesTo(school.Urn, Role.Teacher);
        Assert.Equal(2, lapsed.Count);
        Assert.Contains($"Your approved exception (personal contact) has lapsed: it ran to {lastDay}.", lapsed[1].TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("ends after", lapsed[1].TextBody, StringComparison.Ordinal);
        Assert.Equal(2, app.MessagesTo(school.Urn, Role.Headteacher).Count);
        Assert.Contains("has lapsed", app.MessagesTo(school.Urn, Role.Headteacher)[1].TextBody, StringComparison.Ordinal);
        // Two messages, two records; never the text.
        var sent = await app.SentEventsAsync(school.Urn, school.People[Role.Teacher]);
        Assert.Equal(2, sent.Count);
        Assert.All(sent, e => Assert.DoesNotContain("Trip hours", e, StringComparison.Ordinal));
    }
}
