using ComplianceLedger.Api.Web.Charts;

namespace ComplianceLedger.Tests.Web;

/// <summary>The trend chart's geometry, without a browser: where days and percentages land.</summary>
public sealed class LineChartModelTests
{
    static readonly DateOnly September = new(2026, 9, 1);
    static readonly DateOnly August = new(2027, 8, 31);

    [Fact]
    public void Percentages_run_from_the_bottom_of_the_plot_at_0_to_its_top_at_100()
    {
        var chart = LineChartModel.Build([new ChartPoint(September, 0m), new ChartPoint(August, 100m)], September, August, 640, 260);

        Assert.Equal(chart.Bottom, chart.Points[0].Y);
        Assert.Equal(chart.Top, chart.Points[1].Y);
        Assert.Equal(chart.Left, chart.Points[0].X);
        Assert.Equal(chart.Right, chart.Points[1].X);
        Assert.Equal([0m, 25m, 50m, 75m, 100m], chart.Ticks.Select(t => t.Percent));
        Assert.Equal((chart.Top + chart.Bottom) / 2, chart.Ticks.Single(t => t.Percent == 50m).Y);
        Assert.Equal("0 0 640 260", chart.ViewBox);
    }

    [Fact]
    public void Days_are_placed_in_proportion_across_the_year_and_the_line_goes_through_them_in_order()
    {
        var middle = September.AddDays((August.DayNumber - September.DayNumber) / 2);
        var chart = LineChartModel.Build([new ChartPoint(middle, 50m), new ChartPoint(September, 10m)], September, August);

        Assert.Equal([September, middle], chart.Points.Select(p => p.Day));
        Assert.InRange(chart.Points[1].X, (chart.Left + chart.Right) / 2 - 1, (chart.Left + chart.Right) / 2 + 1);
        Assert.StartsWith($"M{LineChartModel.Number(chart.Points[0].X)} {LineChartModel.Number(chart.Points[0].Y)} L", chart.Path, StringComparison.Ordinal);
        Assert.Equal(12, chart.Months.Count);
        Assert.Equal(new DateOnly(2026, 10, 1), chart.Months[1].Day);
        Assert.True(chart.Months.Zip(chart.Months.Skip(1)).All(p => p.First.X < p.Second.X));
    }

    [Fact]
    public void Values_outside_0_to_100_stay_inside_the_plot_and_a_single_day_sits_in_the_middle()
    {
        var day = new DateOnly(2026, 12, 7);
        var chart = LineChartModel.Build([new ChartPoint(day, 120m)], day, day);

        var point = Assert.Single(chart.Points);
        Assert.Equal(chart.Top, point.Y);
        Assert.Equal((chart.Left + chart.Right) / 2, point.X);
        Assert.Equal(120m, point.Percent);
    }

    [Fact]
    public void A_point_outside_the_given_days_widens_them_and_no_points_draw_no_line()
    {
        var late = August.AddDays(10);
        var chart = LineChartModel.Build([new ChartPoint(late, 40m)], September, August);
        Assert.Equal(late, chart.To);
        Assert.Equal(chart.Right, chart.Points[0].X);

        Assert.Equal("", LineChartModel.Build([], September, August).Path);
    }
}
