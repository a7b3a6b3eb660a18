using ComplianceLedger.Api.Policies;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Scheduling;

/// <summary>
/// A policy version's review date raises "review due" by itself: scheduled when the version is
/// published, recorded once by the system on the day, with the app restarted in between.
/// </summary>
public sealed class ScheduledReviewDueTests(ScheduledWorkApp app) : IClassFixture<ScheduledWorkApp>
{
    [Fact]
    public async Task A_policys_review_date_raises_review_due_once_on_the_day_though_the_app_restarted()
    {
        // PublishBody: effective 2026-09-01 on a one-year cycle, so the review falls due on 2027-09-01.
        var reviewDue = new ReviewDue("", "social-media", new DateOnly(2027, 9, 1));
        // 20 s: the school and its policy are made first, and on a busy machine that has taken over 10 s.
        var due = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20);
        app.Clock.JumpAt(due, reviewDue.DueAt + TimeSpan.FromMinutes(1));

        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var stream = Policy.StreamId("social-media");
        await app.Host.StopAsync();
        Assert.True(DateTimeOffset.UtcNow < due, "the app must stop before the review is due");
        Assert.Empty(await app.EventsAsync(school.Urn, stream, "policy.review-due.v1"));

        await using var next = app.StartAnotherInstance();
        Assert.True(await ScheduledWorkApp.EventuallyAsync(
            async () => (await app.EventsAsync(school.Urn, stream, "policy.review-due.v1")).Count > 0, TimeSpan.FromSeconds(60)),
            "review due was not recorded: " + await app.ReportAsync());
        await Task.Delay(TimeSpan.FromSeconds(2));
        var raised = Assert.Single(await app.EventsAsync(school.Urn, stream, "policy.review-due.v1"));
        Assert.Equal(RecordReviewDue.Actor, raised.Actor);
        var data = System.Text.Json.JsonDocument.Parse(raised.Data).RootElement;
        Assert.Equal("2027-09-01", data.GetProperty("reviewDue").GetString());
        Assert.Equal("1", data.GetProperty("versionLabel").GetString());
    }
}
