using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Projections.Rules;

namespace ComplianceLedger.Tests.Rules;

/// <summary>The acknowledgement rule, pure: no database.</summary>
public sealed class AcknowledgementCoverageTests
{
    static readonly DateOnly Effective = new(2026, 9, 1);

    static readonly PolicyVersionFacts Version = new("social-media", "3", "Social Media Policy", new string('a', 64), Effective, 1,
        Effective.AddYears(1), Effective, "person:chair", ["teacher", "support-staff"], 14, 365, IsCurrent: true, null, [10]);

    static PersonFacts Teacher(DateOnly? started = null) =>
        new(Guid.Parse("0190a0b0-0000-7000-8000-00000000000a"), ["teacher"], started ?? new DateOnly(2020, 1, 1), null, null, null, 5);

    static AcknowledgementFacts Ack(bool declined = false) =>
        new(Teacher().PersonId, "social-media", "3", declined, new DateTimeOffset(2026, 9, 3, 9, 0, 0, TimeSpan.Zero), 20);

    [Fact]
    public void Acknowledged_is_ok_and_proved_by_the_publication_and_the_acknowledgement()
    {
        var verdict = AcknowledgementCoverage.Evaluate(Teacher(), Version, Ack(), Effective.AddDays(30))!;
        Assert.Equal(ComplianceStatus.Ok, verdict.Status);
        Assert.Equal([10L, 20L], verdict.Proof);
    }

    [Fact]
    public void Not_yet_acknowledged_is_due_within_the_allowed_days_and_overdue_after()
    {
        Assert.Equal(ComplianceStatus.Due, AcknowledgementCoverage.Evaluate(Teacher(), Version, null, Effective.AddDays(14))!.Status);
        var late = AcknowledgementCoverage.Evaluate(Teacher(), Version, null, Effective.AddDays(15))!;
        Assert.Equal(ComplianceStatus.Overdue, late.Status);
        Assert.Equal(Effective.AddDays(14), late.DueOn);
    }

    [Fact]
    public void A_new_starter_has_the_allowed_days_from_their_start_date()
    {
        var started = Effective.AddDays(60);
        var verdict = AcknowledgementCoverage.Evaluate(Teacher(started), Version, null, started.AddDays(10))!;
        Assert.Equal(ComplianceStatus.Due, verdict.Status);
        Assert.Equal(started.AddDays(14), verdict.DueOn);
    }

    [Fact]
    public void Declining_is_attention_never_acknowledged()
    {
        var verdict = AcknowledgementCoverage.Evaluate(Teacher(), Version, Ack(declined: true), Effective.AddDays(1))!;
        Assert.Equal(ComplianceStatus.Attention, verdict.Status);
    }

    [Fact]
    public void On_long_term_leave_is_shown_as_on_leave_and_the_clock_restarts_on_return()
    {
        var away = Teacher() with { LeaveFrom = Effective.AddDays(-30) };
        Assert.Equal(ComplianceStatus.OnLeave, AcknowledgementCoverage.Evaluate(away, Version, null, Effective.AddDays(100))!.Status);

        var back = Teacher() with { ReturnedOn = Effective.AddDays(100) };
        var verdict = AcknowledgementCoverage.Evaluate(back, Version, null, Effective.AddDays(105))!;
        Assert.Equal(ComplianceStatus.Due, verdict.Status);
        Assert.Equal(Effective.AddDays(114), verdict.DueOn);
    }

    [Fact]
    public void People_outside_the_audience_who_left_or_under_an_old_version_owe_nothing()
    {
        Assert.Null(AcknowledgementCoverage.Evaluate(Teacher() with { Roles = ["governor"] }, Version, null, Effective));
        Assert.Null(AcknowledgementCoverage.Evaluate(Teacher() with { LeftOn = Effective }, Version, null, Effective.AddDays(1)));
        Assert.Null(AcknowledgementCoverage.Evaluate(Teacher(), Version with { IsCurrent = false }, null, Effective));
    }
}

public sealed class PolicyReviewTests
{
    static readonly PolicyVersionFacts Version = new("social-media", "3", "Social Media Policy", new string('a', 64), new DateOnly(2025, 9, 1), 1,
        new DateOnly(2026, 9, 1), new DateOnly(2025, 7, 10), "person:chair", ["teacher"], 14, 365, IsCurrent: true, null, [10, 11]);

    [Fact]
    public void A_ratified_version_within_its_review_date_is_ok_until_that_date() =>
        Assert.Equal(ComplianceStatus.Ok, PolicyReview.Evaluate(Version, new DateOnly(2026, 9, 1))!.Status);

    [Fact]
    public void A_review_past_its_date_is_overdue() =>
        Assert.Equal(ComplianceStatus.Overdue, PolicyReview.Evaluate(Version, new DateOnly(2026, 9, 2))!.Status);

    [Fact]
    public void A_version_not_ratified_by_governors_needs_attention() =>
        Assert.Equal(ComplianceStatus.Attention, PolicyReview.Evaluate(Version with { RatifiedOn = null, RatifiedBy = null }, new DateOnly(2026, 1, 1))!.Status);

    [Fact]
    public void A_superseded_version_is_not_judged() =>
        Assert.Null(PolicyReview.Evaluate(Version with { IsCurrent = false }, new DateOnly(2030, 1, 1)));
}
