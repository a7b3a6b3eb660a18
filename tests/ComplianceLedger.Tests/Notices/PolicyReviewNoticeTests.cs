using System.Globalization;
using System.Net;
using System.Text;
using ComplianceLedger.Api.Notices;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.Scheduling;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Notices;

/// <summary>
/// Rule 3 end to end: a version whose review date is within 30 days is put to the clerk to the
/// governors at once, in one message a real SMTP server on loopback received; a school with no
/// clerk tells the chair of governors instead. Nobody else hears of it.
/// </summary>
public sealed class PolicyReviewNoticeTests(NoticesApp app) : IClassFixture<NoticesApp>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    static async Task<DateOnly> PublishDueForReviewInAsync(TestSchool school, int days, DateOnly today)
    {
        var effective = today.AddDays(days).AddYears(-1);
        var head = await school.As(Role.Headteacher);
        var response = await head.PostAsync($"/api/schools/{school.Urn}/policies/online-safety/versions", new StringContent($$"""
            {"title":"Online Safety Policy","versionLabel":"2","documentSha256":"{{PeopleAndPolicyContractTests.Sha}}",
             "effectiveFrom":"{{effective:yyyy-MM-dd}}","reviewCycleYears":1,"responsibleCommittee":"Curriculum committee",
             "audiences":["teacher"],"daysToAcknowledge":14,"maxExceptionDays":365}
            """, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return effective.AddYears(1);
    }

    [Fact]
    public async Task A_review_date_within_thirty_days_goes_to_the_clerk_once_and_to_no_one_else()
    {
        var today = SchoolDay.Of(app.Clock.GetUtcNow());
        var school = await app.SchoolAsync("139901", UseCase.AllRoles);
        var due = await PublishDueForReviewInAsync(school, 20, today);

        Assert.True(await ScheduledWorkApp.EventuallyAsync(() => Task.FromResult(app.MessagesTo(school.Urn, Role.Clerk).Count >= 1), Patience),
            "the clerk was not told: " + await app.ReportAsync());
        await Task.Delay(TimeSpan.FromSeconds(3));
        var clerk = Assert.Single(app.MessagesTo(school.Urn, Role.Clerk));
        Assert.Equal($"A policy review is coming up (Test School {school.Urn})", clerk.Subject);
        Assert.Contains($"Online Safety Policy version 2 is due for review on {due.ToString("dddd d MMMM yyyy", CultureInfo.InvariantCulture)}, in 20 days.",
            clerk.TextBody, StringComparison.Ordinal);
        Assert.Contains("It is the Curriculum committee's to review.", clerk.TextBody, StringComparison.Ordinal);
        Assert.Contains($"/schools/{school.Urn}/policies/online-safety", clerk.HtmlBody, StringComparison.Ordinal);
        Assert.False(clerk.Headers.Contains("List-Unsubscribe"));
        // Only the clerk hears of the review (the teacher, long overdue, and the head hear of the acknowledgement); the chair nothing.
        Assert.Single(app.MessagesFor(school.Urn), m => (m.TextBody ?? "").Contains("due for review", StringComparison.Ordinal));
        foreach (var role in new[] { Role.ChairOfGovernors, Role.Governor, Role.Office })
        {
            Assert.Empty(app.MessagesTo(school.Urn, role));
        }
        var sent = Assert.Single(await app.SentEventsAsync(school.Urn, school.People[Role.Clerk]));
        Assert.Contains($"\"subject\": \"online-safety:2:{due:yyyy-MM-dd}\"", sent, StringComparison.Ordinal);
        Assert.Contains(NoticeKinds.PolicyReviewDue, sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_school_with_no_clerk_tells_the_chair_of_governors_and_a_distant_review_tells_no_one_yet()
    {
        var today = SchoolDay.Of(app.Clock.GetUtcNow());
        var school = await app.SchoolAsync("139902", Role.Headteacher, Role.ChairOfGovernors, Role.Governor, Role.Office);
        await PublishDueForReviewInAsync(school, 5, today);

        Assert.True(await ScheduledWorkApp.EventuallyAsync(() => Task.FromResult(app.MessagesTo(school.Urn, Role.ChairOfGovernors).Count >= 1), Patience),
            "the chair was not told: " + await app.ReportAsync());
        Assert.Contains("in 5 days.", Assert.Single(app.MessagesTo(school.Urn, Role.ChairOfGovernors)).TextBody, StringComparison.Ordinal);

        // A review 60 days away is scheduled for 30 days before it, and says nothing today.
        var later = await app.SchoolAsync("139903", Role.Headteacher, Role.Clerk);
        await PublishDueForReviewInAsync(later, 60, today);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Empty(app.MessagesFor(later.Urn));
        Assert.Equal(Reminders.MorningOf(today.AddDays(30)), await app.ReminderDueAtAsync(later.Urn, PolicyReviewReminders.Key("online-safety")));
    }
}
