using ComplianceLedger.Api.Compliance;

namespace ComplianceLedger.Tests.Compliance;

/// <summary>Which days the dashboard's trend shows: each month's end since 1 September, then the day asked about.</summary>
public sealed class CoverageTrendTests
{
    [Fact]
    public void The_school_year_starts_on_1_September_of_the_autumn_it_began_in()
    {
        Assert.Equal(new DateOnly(2026, 9, 1), CoverageTrend.YearStart(new DateOnly(2026, 9, 1)));
        Assert.Equal(new DateOnly(2026, 9, 1), CoverageTrend.YearStart(new DateOnly(2027, 8, 31)));
        Assert.Equal(new DateOnly(2025, 9, 1), CoverageTrend.YearStart(new DateOnly(2026, 8, 31)));
    }

    [Fact]
    public void Each_finished_month_has_its_last_day_and_the_day_itself_comes_last()
    {
        Assert.Equal([new DateOnly(2026, 9, 30), new DateOnly(2026, 10, 31), new DateOnly(2026, 11, 30), new DateOnly(2026, 12, 7)],
            CoverageTrend.Days(new DateOnly(2026, 12, 7)));
        Assert.Equal([new DateOnly(2026, 9, 30), new DateOnly(2026, 10, 31)], CoverageTrend.Days(new DateOnly(2026, 10, 31)));
        Assert.Equal([new DateOnly(2026, 9, 1)], CoverageTrend.Days(new DateOnly(2026, 9, 1)));
        Assert.Equal(12, CoverageTrend.Days(new DateOnly(2027, 8, 31)).Count);
        Assert.Equal(new DateOnly(2027, 2, 28), CoverageTrend.Days(new DateOnly(2027, 3, 5))[^2]);
    }
}
