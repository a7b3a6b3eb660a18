using ComplianceLedger.Api.Notices;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Scheduling;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Notices;

/// <summary>
/// Rule 4 end to end: when an official account's owner leaves, its custodian is emailed that day,
/// one message for all the accounts concerned, and again a week later for those whose login
/// details were still not changed; a rotation recorded in between ends the reminders for that account.
/// </summary>
public sealed class RotationNoticeTests(NoticesApp app) : IClassFixture<NoticesApp>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    static int Mentions(string? text, string what) => (text ?? "").Split(what).Length - 1;

    [Fact]
    public async Task The_custodian_is_told_when_the_owner_leaves_and_a_week_later_only_of_the_account_not_yet_rotated()
    {
        // In 30 s the clock moves a week on, to 07:30: the leaving and one rotation happen before.
        var today = SchoolDay.Of(app.Clock.GetUtcNow());
        var jump = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        app.Clock.JumpAt(jump, Reminders.MorningOf(today.AddDays(7)) + TimeSpan.FromMinutes(30));

        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Lodged);
        var (school, science) = (arranged.School, arranged["account"]);
        var drama = await OfficialAccountContractTests.RegisterAsync(school, handle: "@DramaTST", email: "drama@test.sch.uk");
        await OfficialAccountContractTests.Send(school, Role.Headteacher, $"/official-accounts/{drama}/custodians",
            $$"""{"custodianId":"{{arranged["slt"]}}","vaultReference":"KeePass: Comms/Drama"}""");

        // The teacher who owns both accounts leaves today.
        await OfficialAccountContractTests.Send(school, Role.Headteacher, $"/people/{arranged["teacher"]}/leaving", $$"""{"leftOn":"{{today:yyyy-MM-dd}}"}""");

        Assert.True(await ScheduledWorkApp.EventuallyAsync(() => Task.FromResult(app.MessagesTo(school.Urn, Role.Slt).Count >= 1), Patience),
            "the custodian was not told: " + await app.ReportAsync());
        var first = Assert.Single(app.MessagesTo(school.Urn, Role.Slt));
        Assert.Equal(2, Mentions(first.TextBody, "need changing"));
        Assert.Contains("the youtube account @ScienceTST", first.TextBody, StringComparison.Ordinal);
        Assert.Contains("the youtube account @DramaTST", first.TextBody, StringComparison.Ordinal);
        Assert.Contains($"/schools/{school.Urn}/accounts/{science}", first.HtmlBody, StringComparison.Ordinal);
        Assert.False(first.Headers.Contains("List-Unsubscribe"));

        await OfficialAccountContractTests.Send(school, Role.Slt, $"/official-accounts/{science}/rotations",
            $$"""{"reason":"owner-left","rotatedOn":"{{today:yyyy-MM-dd}}"}""");
        Assert.True(DateTimeOffset.UtcNow < jump, "the leaving and the rotation must be recorded before the clock jumps");

        Assert.True(await ScheduledWorkApp.EventuallyAsync(() => Task.FromResult(app.MessagesTo(school.Urn, Role.Slt).Count >= 2), Patience),
            "the custodian was not reminded a week later: " + await app.ReportAsync());
        await Task.Delay(TimeSpan.FromSeconds(3));
        var messages = app.MessagesTo(school.Urn, Role.Slt);
        Assert.Equal(2, messages.Count);
        Assert.Equal(1, Mentions(messages[1].TextBody, "need changing"));
        Assert.Contains("@DramaTST", messages[1].TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("@ScienceTST", messages[1].TextBody, StringComparison.Ordinal);
        Assert.Equal(2, (await app.SentEventsAsync(school.Urn, school.People[Role.Slt])).Count);
        // The owner who left, and the head (a custodian remains), hear nothing of it.
        Assert.Empty(app.MessagesTo(school.Urn, Role.Teacher));
        Assert.Empty(app.MessagesTo(school.Urn, Role.Headteacher));
    }
}
