using ComplianceLedger.Api.Notices;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Tests.Notices;

/// <summary>
/// Rules 3 and 4 as the scheduler runs them over a school year: each firing asks the plan what to
/// say and when to look again, and the next firing is that day's morning.
/// </summary>
public sealed class ReviewAndRotationPlanTests
{
    static readonly DateOnly September = new(2026, 9, 1);

    static Policy Published(string label, DateOnly effective, DateOnly reviewDue) =>
        new([new PolicyVersion(label, "Social Media Policy", new string('a', 64), effective, 1, true, [Role.Teacher], 365)], false) { NextReviewDue = reviewDue };

    /// <summary>Runs a rule from its first firing to the end of the year; the days it spoke, with what it said.</summary>
    static List<(DateOnly Day, string Subject)> Run(DateOnly first, DateOnly until, Func<DateOnly, (string? Subject, DateOnly? Next)> plan)
    {
        var said = new List<(DateOnly, string)>();
        DateOnly? day = first;
        while (day is { } today && today <= until)
        {
            var (subject, next) = plan(today);
            if (subject is not null)
            {
                said.Add((today, subject));
            }
            Assert.True(next is null || next > today, $"the plan on {today} looked again on {next}, not later");
            day = next;
        }
        return said;
    }

    [Fact]
    public void The_clerk_hears_once_thirty_days_before_the_review_date_and_not_before()
    {
        var policy = Published("3", September, new DateOnly(2027, 7, 15));
        var said = Run(September, new DateOnly(2027, 8, 31), today => PolicyReviewReminders.Plan("social-media", policy, today));
        Assert.Equal([(new DateOnly(2027, 6, 15), "social-media:3:2027-07-15")], said);
    }

    [Fact]
    public void A_review_date_less_than_thirty_days_away_is_told_at_once_and_a_past_one_not_at_all()
    {
        var soon = Published("3", September, new DateOnly(2026, 9, 20));
        Assert.Equal(("social-media:3:2026-09-20", (DateOnly?)null), PolicyReviewReminders.Plan("social-media", soon, September));
        // On the date itself it is still worth saying; after it the dashboard shows the review overdue instead.
        Assert.Equal("social-media:3:2026-09-20", PolicyReviewReminders.Plan("social-media", soon, new DateOnly(2026, 9, 20)).Subject);
        Assert.Equal((null, null), PolicyReviewReminders.Plan("social-media", soon, new DateOnly(2026, 9, 21)));
    }

    [Fact]
    public void A_review_without_changes_moves_the_notice_to_the_next_date_and_the_old_one_no_longer_stands()
    {
        var reviewed = Published("3", September, new DateOnly(2027, 7, 15)) with { };
        reviewed = reviewed with { NextReviewDue = new DateOnly(2028, 7, 15) };
        Assert.False(PolicyReviewReminders.Stands(reviewed, "3", new DateOnly(2027, 7, 15)));
        Assert.True(PolicyReviewReminders.Stands(reviewed, "3", new DateOnly(2028, 7, 15)));
        // The row set by the review fires on its own morning: one notice, for the new date.
        var said = Run(new DateOnly(2027, 6, 20), new DateOnly(2028, 8, 31), today => PolicyReviewReminders.Plan("social-media", reviewed, today));
        Assert.Equal([(new DateOnly(2028, 6, 15), "social-media:3:2028-07-15")], said);
    }

    [Fact]
    public void A_replaced_or_retired_policy_makes_the_notice_moot()
    {
        var replaced = new Policy([.. Published("3", September, new DateOnly(2027, 7, 15)).Versions,
            new PolicyVersion("4", "Social Media Policy", new string('b', 64), new DateOnly(2027, 1, 1), 2, true, [Role.Teacher], 365)], false)
        { NextReviewDue = new DateOnly(2029, 1, 1) };
        Assert.False(PolicyReviewReminders.Stands(replaced, "3", new DateOnly(2027, 7, 15)));
        var retired = Published("3", September, new DateOnly(2027, 7, 15)) with { Retired = true };
        Assert.False(PolicyReviewReminders.Stands(retired, "3", new DateOnly(2027, 7, 15)));
        Assert.Equal((null, null), PolicyReviewReminders.Plan("social-media", retired, new DateOnly(2027, 6, 15)));
    }

    [Theory]
    [InlineData("social-media:3:2027-07-15", "social-media", "3", "2027-07-15")]
    [InlineData("code-of-conduct:v2.1:2028-01-31", "code-of-conduct", "v2.1", "2028-01-31")]
    [InlineData("code-of-conduct:2027: draft 2:2028-01-31", "code-of-conduct", "2027: draft 2", "2028-01-31")]
    public void A_review_subject_reads_back_as_written(string subject, string policyId, string label, string due) =>
        Assert.Equal((policyId, label, DateOnly.Parse(due, System.Globalization.CultureInfo.InvariantCulture)), PolicyReviewReminders.ParseSubject(subject));

    static readonly Guid AccountId = Guid.Parse("0190a0a0-0000-7000-8000-000000000001");

    static AccountFacts Account(DateOnly? decommissioned = null) =>
        new(AccountId, "youtube", "@ScienceTST", Guid.NewGuid(), 1, "test.sch.uk", September, 1, DecommissionedOn: decommissioned);

    [Fact]
    public void The_custodians_hear_on_the_day_the_owner_leaves_and_weekly_until_the_rotation()
    {
        // Recorded on 1 October that the owner leaves at half term (Friday 23 October); rotated on Monday 9 November.
        RotationTriggerFacts[] triggers = [new(Guid.NewGuid(), "owner-left", new DateOnly(2026, 10, 23), 10)];
        var rotatedOn = new DateOnly(2026, 11, 9);
        var said = Run(new DateOnly(2026, 10, 1), new DateOnly(2027, 8, 31), today => CredentialRotationReminders.Plan(
            Account(), triggers, today >= rotatedOn ? [new RotationFacts(rotatedOn, "owner-left", 20)] : [], today));
        var subject = CredentialRotationReminders.Subject(AccountId, new DateOnly(2026, 10, 23));
        Assert.Equal([(new DateOnly(2026, 10, 23), subject), (new DateOnly(2026, 10, 30), subject), (new DateOnly(2026, 11, 6), subject)], said);
    }

    [Fact]
    public void A_rotation_before_the_leaving_day_does_not_answer_it_and_a_decommissioned_account_owes_nothing()
    {
        RotationTriggerFacts[] triggers = [new(Guid.NewGuid(), "custodian-role-changed", new DateOnly(2027, 1, 4), 10)];
        RotationFacts[] early = [new(new DateOnly(2027, 1, 3), "routine", 9)];
        Assert.Equal(CredentialRotationReminders.Subject(AccountId, new DateOnly(2027, 1, 4)),
            CredentialRotationReminders.Plan(Account(), triggers, early, new DateOnly(2027, 1, 4)).Subject);
        Assert.Equal((null, null), CredentialRotationReminders.Plan(Account(new DateOnly(2027, 1, 5)), triggers, [], new DateOnly(2027, 1, 11)));
        Assert.Equal((null, null), CredentialRotationReminders.Plan(null, triggers, [], new DateOnly(2027, 1, 11)));
        Assert.Equal((null, null), CredentialRotationReminders.Plan(Account(), [], [], new DateOnly(2027, 1, 11)));
    }

    [Fact]
    public void A_second_leaving_after_a_rotation_starts_the_reminders_again_from_its_own_day()
    {
        RotationTriggerFacts[] triggers =
        [
            new(Guid.NewGuid(), "owner-left", new DateOnly(2026, 10, 23), 10),
            new(Guid.NewGuid(), "custodian-left", new DateOnly(2027, 3, 31), 30),
        ];
        RotationFacts[] rotations = [new(new DateOnly(2026, 10, 26), "owner-left", 20)];
        Assert.Equal((null, (DateOnly?)new DateOnly(2027, 3, 31)), CredentialRotationReminders.Plan(Account(), triggers, rotations, new DateOnly(2027, 2, 1)));
        Assert.Equal(CredentialRotationReminders.Subject(AccountId, new DateOnly(2027, 3, 31)),
            CredentialRotationReminders.Plan(Account(), triggers, rotations, new DateOnly(2027, 4, 7)).Subject);
    }
}
