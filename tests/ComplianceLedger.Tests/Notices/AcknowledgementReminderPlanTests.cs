using ComplianceLedger.Api.Notices;
using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Tests.Notices;

/// <summary>
/// Rule 1 over a whole school year, as the scheduler runs it: the plan is asked only on the days it
/// named, and each answer is what the person (and the head) would be sent that day.
/// </summary>
public class AcknowledgementReminderPlanTests
{
    static readonly DateOnly YearStarts = new(2026, 9, 1);
    static readonly DateOnly YearEnds = new(2027, 7, 23);

    static PolicyVersionFacts Version(DateOnly effective, int days = 14) => new(
        "social-media", "3", "Social Media Policy", new string('a', 64), effective, 1, effective.AddYears(1), null, null,
        ["teacher", "support-staff"], days, 365, true, null, [1]);

    static PersonFacts Teacher(DateOnly started) => new(Guid.CreateVersion7(), ["teacher"], started, null, null, null, 2);

    /// <summary>Runs the chain from <paramref name="first"/>: each day the plan named, what it said.</summary>
    static List<string> Year(PersonFacts person, PolicyVersionFacts version, DateOnly first, DateOnly? acknowledgedOn = null)
    {
        var said = new List<string>();
        DateOnly? last = null;
        for (DateOnly? day = first; day is { } today && today <= YearEnds;)
        {
            var latest = acknowledgedOn is { } on && on <= today
                ? new AcknowledgementFacts(person.PersonId, version.PolicyId, version.VersionLabel, false, new DateTimeOffset(on.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero), 9)
                : null;
            var plan = AcknowledgementReminders.Plan(person, version, latest, last, today);
            if (plan.Kind is { } kind)
            {
                said.Add($"{today:MM-dd} {kind}{(plan.CopyToHead ? " +head" : "")}");
                last = today;
            }
            day = plan.Next;
        }
        return said;
    }

    [Fact]
    public void Someone_who_never_acknowledges_is_asked_reminded_then_chased_weekly_with_the_head_told_from_two_weeks_overdue()
    {
        var said = Year(Teacher(new(2025, 1, 6)), Version(YearStarts), YearStarts);

        Assert.Equal(["09-01 acknowledgement-requested", "09-08 acknowledgement-due-soon", "09-14 acknowledgement-due-soon",
            "09-16 acknowledgement-overdue", "09-23 acknowledgement-overdue", "09-30 acknowledgement-overdue +head",
            "10-07 acknowledgement-overdue +head"], said.Take(7));
        // Weekly to the end of the year: every Wednesday from 16 September, each copied to the head from the third.
        Assert.Equal(2 + 1 + 45, said.Count);
        Assert.All(said.Skip(3), s => Assert.Equal(DayOfWeek.Wednesday, DateOnly.ParseExact($"{(s.StartsWith('0') && int.Parse(s[..2]) < 9 ? 2027 : 2026)}-{s[..5]}", "yyyy-MM-dd").DayOfWeek));
        Assert.All(said.Skip(5), s => Assert.EndsWith("+head", s, StringComparison.Ordinal));
    }

    [Fact]
    public void An_acknowledgement_ends_the_reminders()
    {
        var said = Year(Teacher(new(2025, 1, 6)), Version(YearStarts), YearStarts, acknowledgedOn: new(2026, 9, 10));

        Assert.Equal(["09-01 acknowledgement-requested", "09-08 acknowledgement-due-soon"], said);
    }

    [Fact]
    public void A_late_acknowledgement_ends_the_weekly_chase()
    {
        var said = Year(Teacher(new(2025, 1, 6)), Version(YearStarts), YearStarts, acknowledgedOn: new(2026, 9, 24));

        Assert.Equal(5, said.Count);
        Assert.Equal("09-23 acknowledgement-overdue", said[^1]);
    }

    [Fact]
    public void A_new_starter_is_asked_on_their_first_day_and_their_deadline_runs_from_it()
    {
        var starter = Teacher(new(2027, 1, 4));
        var said = Year(starter, Version(YearStarts), YearStarts);

        Assert.Equal(["01-04 acknowledgement-requested", "01-11 acknowledgement-due-soon", "01-17 acknowledgement-due-soon",
            "01-19 acknowledgement-overdue"], said.Take(4));
    }

    [Fact]
    public void Nothing_is_sent_while_on_leave_and_the_deadline_starts_again_on_return()
    {
        var away = Teacher(new(2025, 1, 6)) with { Leaves = [new LeaveSpell(new(2026, 9, 4), new(2026, 11, 2))] };
        var said = Year(away, Version(YearStarts), YearStarts);

        Assert.Equal(["09-01 acknowledgement-requested", "11-02 acknowledgement-requested", "11-09 acknowledgement-due-soon",
            "11-15 acknowledgement-due-soon", "11-17 acknowledgement-overdue"], said.Take(5));
    }

    [Fact]
    public void On_leave_with_no_return_recorded_the_rule_stops_until_the_return_sets_it_again()
    {
        var away = Teacher(new(2025, 1, 6)) with { Leaves = [new LeaveSpell(new(2026, 9, 4), null)] };
        var plan = AcknowledgementReminders.Plan(away, Version(YearStarts), null, new(2026, 9, 1), new(2026, 9, 8));

        Assert.Null(plan.Kind);
        Assert.Null(plan.Next);
    }

    [Fact]
    public void Someone_not_in_an_audience_or_who_has_left_is_never_told()
    {
        var governor = new PersonFacts(Guid.CreateVersion7(), ["governor"], new(2025, 1, 6), null, null, null, 2);
        var leaver = Teacher(new(2025, 1, 6)) with { LeftOn = new(2026, 8, 31) };

        Assert.Empty(Year(governor, Version(YearStarts), YearStarts));
        Assert.Empty(Year(leaver, Version(YearStarts), YearStarts));
    }

    [Fact]
    public void A_version_published_after_its_deadline_has_passed_says_overdue_at_once()
    {
        var said = Year(Teacher(new(2025, 1, 6)), Version(new(2026, 8, 1)), YearStarts);

        Assert.Equal("09-01 acknowledgement-overdue +head", said[0]);
        // And weekly from the day after the deadline, as for anyone overdue.
        Assert.Equal("09-06 acknowledgement-overdue +head", said[1]);
    }

    [Fact]
    public void A_message_that_fires_late_says_the_latest_thing_once()
    {
        var teacher = Teacher(new(2025, 1, 6));
        // Last said on the 1st; the mail was down until the 15th: one due-soon, not two.
        var plan = AcknowledgementReminders.Plan(teacher, Version(YearStarts), null, YearStarts, new(2026, 9, 15));

        Assert.Equal(NoticeKinds.AcknowledgementDueSoon, plan.Kind);
        Assert.Equal(new DateOnly(2026, 9, 16), plan.Next);
    }
}
