using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Notices;

namespace ComplianceLedger.Tests.Notices;

/// <summary>
/// Rules 2 and 5 over the 2026-27 school year, as the scheduler runs them: each firing's answer
/// says when the next firing is.
/// </summary>
public sealed class ExceptionAndAwaitingPlanTests
{
    static ExceptionCase Approved(DateOnly until) =>
        new(Guid.CreateVersion7(), false, Guid.CreateVersion7(), "personal-contact", false, CaseStatus.Approved, false, until, null);

    /// <summary>The days the rule spoke, from its first firing to the end of the year, the state on each day given.</summary>
    static List<DateOnly> Run(DateOnly first, Func<DateOnly, ExceptionCase> state)
    {
        var said = new List<DateOnly>();
        DateOnly? day = first;
        while (day is { } today && today <= new DateOnly(2027, 8, 31))
        {
            var (say, next) = ExceptionReminders.Plan(state(today), today);
            if (say)
            {
                said.Add(today);
            }
            Assert.True(next is null || next > today, $"on {today} the plan looked again on {next}");
            day = next;
        }
        return said;
    }

    [Fact]
    public void An_approved_exception_is_told_once_fourteen_days_before_its_last_day()
    {
        var item = Approved(new DateOnly(2027, 3, 31));
        Assert.Equal([new DateOnly(2027, 3, 17)], Run(new DateOnly(2026, 9, 10), _ => item));
    }

    [Fact]
    public void An_extension_moves_the_notice_to_fourteen_days_before_the_new_last_day()
    {
        // Told on 17 March; extended on 20 March to 20 July: the extension sets the row again.
        var item = Approved(new DateOnly(2027, 3, 31));
        Assert.Equal([new DateOnly(2027, 3, 17)], Run(new DateOnly(2026, 9, 10), _ => item));
        var extended = item with { Until = new DateOnly(2027, 7, 20) };
        Assert.Equal([new DateOnly(2027, 7, 6)], Run(new DateOnly(2027, 3, 20), _ => extended));
        // The first notice no longer says anything true; the second does.
        Assert.False(ExceptionReminders.StillEnding(extended, new DateOnly(2027, 3, 31)));
        Assert.True(ExceptionReminders.StillEnding(extended, new DateOnly(2027, 7, 20)));
    }

    [Fact]
    public void A_revoked_exception_or_one_approved_with_under_fourteen_days_left_says_so_or_nothing()
    {
        var item = Approved(new DateOnly(2027, 3, 31));
        Assert.Empty(Run(new DateOnly(2026, 9, 10), today => today >= new DateOnly(2027, 2, 1) ? item with { Status = CaseStatus.Revoked } : item));
        // Approved on 25 March to the 31st: told at once, on the approval's own day.
        Assert.Equal([new DateOnly(2027, 3, 25)], Run(new DateOnly(2027, 3, 25), _ => item));
        // Past its last day the lapse speaks instead (ExpiryDue).
        Assert.Equal((false, (DateOnly?)null), ExceptionReminders.Plan(item, new DateOnly(2027, 4, 1)));
    }

    [Fact]
    public void An_item_left_waiting_is_chased_on_its_third_school_day_then_every_fifth_so_on_one_weekday_all_year()
    {
        // Declared on Monday 7 September 2026 and never advised.
        var days = new List<DateOnly>();
        var day = AwaitingReminders.AddSchoolDays(new DateOnly(2026, 9, 7), AwaitingReminders.FirstAfter);
        while (day <= new DateOnly(2027, 7, 21))
        {
            days.Add(day);
            day = AwaitingReminders.AddSchoolDays(day, AwaitingReminders.ThenEvery);
        }
        Assert.Equal(new DateOnly(2026, 9, 10), days[0]);
        Assert.All(days, d => Assert.Equal(DayOfWeek.Thursday, d.DayOfWeek));
        Assert.All(days.Zip(days.Skip(1)), pair => Assert.Equal(7, pair.Second.DayNumber - pair.First.DayNumber));
        Assert.Equal(45, days.Count); // 10 September to 15 July
    }
}
