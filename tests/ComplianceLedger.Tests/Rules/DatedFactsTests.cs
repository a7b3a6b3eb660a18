using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Projections.Rules;

namespace ComplianceLedger.Tests.Rules;

/// <summary>
/// Dated facts take effect on their date, not when they are recorded: the acknowledgement rule
/// judged the day before, on and after each date, from the same facts (no new event between).
/// </summary>
public sealed class DatedFactsTests
{
    static readonly DateOnly Effective = new(2026, 9, 1);

    static readonly DateOnly Date = new(2026, 11, 9);

    static readonly PolicyVersionFacts Version = new("social-media", "3", "Social Media Policy", new string('a', 64), Effective, 1,
        Effective.AddYears(1), Effective, "person:chair", ["teacher", "support-staff"], 14, 365, IsCurrent: true, null, [10]);

    static PersonFacts Person(params RoleSpell[] roles) =>
        new(Guid.Parse("0190a0b0-0000-7000-8000-00000000000c"), roles.Length > 0 ? roles[^1].Roles : ["teacher"], new DateOnly(2020, 9, 1), null, null, null, 5)
        {
            RoleHistory = roles.Length > 0 ? roles : [new RoleSpell(new DateOnly(2020, 9, 1), ["teacher"])],
        };

    static Verdict? On(PersonFacts person, DateOnly day, AcknowledgementFacts? latest = null) => AcknowledgementCoverage.Evaluate(person, Version, latest, day);

    static AcknowledgementFacts AckOn(DateOnly day) =>
        new(Person().PersonId, "social-media", "3", false, new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero), 30);

    [Fact]
    public void Someone_starting_later_is_not_started_until_their_start_date_and_then_has_the_allowed_days_from_it()
    {
        var starter = Person() with { StartedOn = Date, RoleHistory = [new RoleSpell(Date, ["teacher"])] };
        var before = On(starter, Date.AddDays(-1))!;
        Assert.Equal(ComplianceStatus.NotStarted, before.Status);
        Assert.Null(before.DueOn);

        var on = On(starter, Date)!;
        Assert.Equal(ComplianceStatus.Due, on.Status);
        Assert.Equal(Date.AddDays(14), on.DueOn);
        Assert.Equal(ComplianceStatus.Overdue, On(starter, Date.AddDays(15))!.Status);
    }

    [Fact]
    public void Leave_starting_later_keeps_the_old_verdict_until_its_first_day()
    {
        var away = Person() with { Leaves = [new LeaveSpell(Date, null)] };
        Assert.Equal(ComplianceStatus.Overdue, On(away, Date.AddDays(-1))!.Status); // due 15 September, long past
        Assert.Equal(ComplianceStatus.OnLeave, On(away, Date)!.Status);
        Assert.Equal(ComplianceStatus.OnLeave, On(away, Date.AddDays(60))!.Status);
    }

    [Fact]
    public void A_return_recorded_for_a_later_date_leaves_the_person_on_leave_until_that_date_and_the_deadline_runs_from_it()
    {
        var returning = Person() with { Leaves = [new LeaveSpell(new DateOnly(2026, 6, 1), Date)] };
        var before = On(returning, Date.AddDays(-1))!;
        Assert.Equal(ComplianceStatus.OnLeave, before.Status);
        Assert.Contains($"back on {Date:yyyy-MM-dd}", before.Detail, StringComparison.Ordinal);

        var on = On(returning, Date)!;
        Assert.Equal(ComplianceStatus.Due, on.Status);
        Assert.Equal(Date.AddDays(14), on.DueOn);
        Assert.Equal(ComplianceStatus.Due, On(returning, Date.AddDays(14))!.Status);
        Assert.Equal(ComplianceStatus.Overdue, On(returning, Date.AddDays(15))!.Status);
    }

    [Fact]
    public void Taking_on_a_role_that_must_acknowledge_counts_from_its_effective_date_with_the_allowed_days_from_then()
    {
        var promoted = Person(new RoleSpell(new DateOnly(2020, 9, 1), ["volunteer"]), new RoleSpell(Date, ["volunteer", "support-staff"]));
        Assert.Null(On(promoted, Date.AddDays(-1)));

        var on = On(promoted, Date)!;
        Assert.Equal(ComplianceStatus.Due, on.Status);
        Assert.Equal(Date.AddDays(14), on.DueOn);
        Assert.Equal(ComplianceStatus.Overdue, On(promoted, Date.AddDays(15))!.Status);
    }

    [Fact]
    public void Leaving_a_role_that_must_acknowledge_keeps_the_person_in_its_coverage_until_the_change_takes_effect()
    {
        var moving = Person(new RoleSpell(new DateOnly(2020, 9, 1), ["teacher"]), new RoleSpell(Date.AddDays(30), ["governor"]));
        var before = On(moving, Date.AddDays(29))!;
        Assert.Equal(ComplianceStatus.Overdue, before.Status);
        Assert.Null(On(moving, Date.AddDays(30)));
        Assert.Null(On(moving, Date.AddDays(31)));
    }

    [Fact]
    public void Moving_between_two_roles_that_must_acknowledge_does_not_restart_the_clock()
    {
        var moving = Person(new RoleSpell(new DateOnly(2020, 9, 1), ["teacher"]), new RoleSpell(Date, ["support-staff"]));
        Assert.Equal(Effective.AddDays(14), On(moving, Date)!.DueOn);
    }

    [Fact]
    public void A_leaver_owes_nothing_from_their_leaving_date_but_does_until_then()
    {
        var leaver = Person() with { LeftOn = Date };
        Assert.Equal(ComplianceStatus.Overdue, On(leaver, Date.AddDays(-1))!.Status);
        Assert.Null(On(leaver, Date));
        Assert.Null(On(leaver, Date.AddDays(1)));
    }

    [Fact]
    public void An_acknowledgement_after_the_deadline_is_ok_and_marked_late_with_when_it_was_due()
    {
        var late = On(Person(), Date, AckOn(Date))!;
        Assert.Equal(ComplianceStatus.Ok, late.Status);
        Assert.True(late.Late);
        Assert.Null(late.DueOn);
        Assert.Contains("late (due by 2026-09-15)", late.Detail, StringComparison.Ordinal);

        var inTime = On(Person(), Date, AckOn(Effective.AddDays(14)))!;
        Assert.Equal(ComplianceStatus.Ok, inTime.Status);
        Assert.False(inTime.Late);
    }

    [Fact]
    public void An_acknowledgement_within_the_days_allowed_after_a_return_is_not_late()
    {
        var returned = Person() with { Leaves = [new LeaveSpell(new DateOnly(2026, 6, 1), Date)] };
        Assert.False(On(returned, Date.AddDays(20), AckOn(Date.AddDays(10)))!.Late);
        Assert.True(On(returned, Date.AddDays(20), AckOn(Date.AddDays(15)))!.Late);
    }

    [Fact]
    public void People_on_leave_are_on_leave_even_if_they_acknowledged_so_coverage_counts_active_people_only()
    {
        var away = Person() with { Leaves = [new LeaveSpell(Date, null)] };
        Assert.Equal(ComplianceStatus.Ok, On(away, Date.AddDays(-1), AckOn(Effective.AddDays(3)))!.Status);
        Assert.Equal(ComplianceStatus.OnLeave, On(away, Date, AckOn(Effective.AddDays(3)))!.Status);
    }
}
