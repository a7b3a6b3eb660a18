using System.Globalization;

namespace ComplianceLedger.Api.Web.Charts;

/// <summary>One value on a day: a percentage from 0 to 100.</summary>
public sealed record ChartPoint(DateOnly Day, decimal Percent);

/// <summary>A point placed in the chart's coordinates (SVG user units, y down).</summary>
public sealed record PlottedPoint(DateOnly Day, decimal Percent, double X, double Y);

/// <summary>A gridline of the percentage axis.</summary>
public sealed record Tick(decimal Percent, double Y);

/// <summary>A label of the day axis, at the start of a month.</summary>
public sealed record DayTick(DateOnly Day, double X);

/// <summary>
/// A percentage line over days, as pure geometry: the SVG (<c>LineChart.razor</c>) only prints these
/// numbers, so the scales can be tested without a browser. Days scale linearly across
/// <c>[From, To]</c>; percentages from 0 (bottom) to 100 (top) of the plot area.
/// </summary>
public sealed record LineChartModel(
    double Width, double Height, double Left, double Top, double Right, double Bottom, DateOnly From, DateOnly To,
    IReadOnlyList<PlottedPoint> Points, IReadOnlyList<Tick> Ticks, IReadOnlyList<DayTick> Months)
{
    public const double DefaultWidth = 640, DefaultHeight = 260;

    // Room for the percentage labels on the left and the month labels below.
    static readonly decimal[] Gridlines = [0m, 25m, 50m, 75m, 100m];

    const double MarginLeft = 48, MarginRight = 24, MarginTop = 16, MarginBottom = 40;

    /// <summary>The chart of <paramref name="points"/> across <paramref name="from"/>..<paramref name="to"/> (widened to hold every point).</summary>
    public static LineChartModel Build(IReadOnlyList<ChartPoint> points, DateOnly from, DateOnly to, double width = DefaultWidth, double height = DefaultHeight)
    {
        if (points.Count > 0)
        {
            from = Min(from, points.Min(p => p.Day));
            to = Max(to, points.Max(p => p.Day));
        }
        if (to < from)
        {
            (from, to) = (to, from);
        }
        var (left, top, right, bottom) = (MarginLeft, MarginTop, width - MarginRight, height - MarginBottom);
        var span = to.DayNumber - from.DayNumber;
        double X(DateOnly day) => span == 0 ? (left + right) / 2 : left + (right - left) * (day.DayNumber - from.DayNumber) / span;
        double Y(decimal percent) => bottom - (bottom - top) * (double)(Math.Clamp(percent, 0m, 100m) / 100m);

        var plotted = points.OrderBy(p => p.Day).Select(p => new PlottedPoint(p.Day, p.Percent, Round(X(p.Day)), Round(Y(p.Percent)))).ToList();
        var ticks = Gridlines.Select(t => new Tick(t, Round(Y(t)))).ToList();
        var months = new List<DayTick>();
        for (var month = new DateOnly(from.Year, from.Month, 1); month <= to; month = month.AddMonths(1))
        {
            if (month >= from)
            {
                months.Add(new DayTick(month, Round(X(month))));
            }
        }
        return new LineChartModel(width, height, left, top, right, bottom, from, to, plotted, ticks, months);
    }

    /// <summary>The line through the points, as an SVG path (empty with no points).</summary>
    public string Path => Points.Count == 0
        ? ""
        : string.Join(" ", Points.Select((p, i) => $"{(i == 0 ? 'M' : 'L')}{Number(p.X)} {Number(p.Y)}"));

    public string ViewBox => $"0 0 {Number(Width)} {Number(Height)}";

    /// <summary>A coordinate as SVG takes it, whatever the culture.</summary>
    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    static double Round(double value) => Math.Round(value, 2);

    static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
