using ComplianceLedger.Api.Notices;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Exceptions;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.Scheduling;

namespace ComplianceLedger.Tests.Notices;

/// <summary>
/// Rule 5: a declaration left 3 school days without the DSL's advice is put to the DSL, and a
/// request left 3 school days without a decision to the head, each in one message; a declaration
/// advised in time is not chased for advice.
/// </summary>
public sealed class AwaitingNoticeTests(NoticesApp app) : IClassFixture<NoticesApp>
{
    [Theory]
    [InlineData("2026-12-04", "2026-12-09")] // Friday: Monday, Tuesday, Wednesday
    [InlineData("2026-12-07", "2026-12-10")]
    [InlineData("2026-12-06", "2026-12-09")] // a Sunday counts from the Monday after
    public void Three_school_days_skip_the_weekend(string from, string expected) =>
        Assert.Equal(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            AwaitingReminders.AddSchoolDays(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), 3));

    [Fact]
    public async Task Items_left_three_school_days_are_put_to_the_DSL_and_the_head_once_each()
    {
        // In 25 s the clock moves to 3 school days from today, 07:30: the items are made before.
        var today = SchoolDay.Of(app.Clock.GetUtcNow());
        var jump = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(25);
        app.Clock.JumpAt(jump, Reminders.MorningOf(AwaitingReminders.AddSchoolDays(today, 3)) + TimeSpan.FromMinutes(30));

        var school = await app.SchoolAsync("139881", UseCases.UseCase.AllRoles);
        var teacher = await school.As(Role.Teacher);
        var declared = await ExceptionArrangements.CreatedIdAsync(teacher, $"/api/schools/{school.Urn}/declarations", ExceptionArrangements.Declaration);
        var requested = await ExceptionArrangements.CreatedIdAsync(teacher, $"/api/schools/{school.Urn}/exceptions", ExceptionArrangements.Request);
        // The support worker's declaration is advised at once: it then waits for the head, not the DSL.
        var support = await school.As(Role.SupportStaff);
        var advised = await ExceptionArrangements.CreatedIdAsync(support, $"/api/schools/{school.Urn}/declarations", ExceptionArrangements.Declaration);
        await ExceptionArrangements.PostOkAsync(await school.As(Role.Dsl), $"/api/schools/{school.Urn}/exceptions/{advised}/dsl-advice",
            new { advice = "No direct messaging; keep contact to school channels." });
        Assert.True(DateTimeOffset.UtcNow < jump, "the items must be made before the clock jumps");

        Assert.True(await ScheduledWorkApp.EventuallyAsync(
            () => Task.FromResult(app.MessagesTo(school.Urn, Role.Dsl).Count >= 1 && app.MessagesTo(school.Urn, Role.Headteacher).Count >= 1),
            TimeSpan.FromSeconds(90)), "the DSL and the head were not asked: " + await app.ReportAsync());
        await Task.Delay(TimeSpan.FromSeconds(3));

        var dsl = Assert.Single(app.MessagesTo(school.Urn, Role.Dsl));
        Assert.Contains("waited 3 school days or more for your advice", dsl.TextBody, StringComparison.Ordinal);
        Assert.Contains(declared, dsl.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(advised, dsl.TextBody, StringComparison.Ordinal);
        var head = Assert.Single(app.MessagesTo(school.Urn, Role.Headteacher));
        // The request and the advised declaration wait for the head's decision, in one message.
        Assert.Equal(2, (head.TextBody ?? "").Split("for your decision").Length - 1);
        Assert.Contains($"/schools/{school.Urn}/approvals", head.HtmlBody, StringComparison.Ordinal);
        Assert.Empty(app.MessagesTo(school.Urn, Role.Teacher));
        Assert.NotEmpty(requested);
    }
}
