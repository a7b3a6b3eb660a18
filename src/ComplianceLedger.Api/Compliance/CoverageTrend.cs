using System.Collections.Concurrent;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;

namespace ComplianceLedger.Api.Compliance;

/// <summary>
/// Acknowledgement coverage across the school year: the school's compliance summary (the same
/// read as <c>GET /api/schools/{urn}/compliance?asOf=</c>) at the end of each month from September,
/// and the day asked about. Each past point is one "as of" replay (docs/as-of.md): measured on the
/// demo school (582 events) at 250–350 ms each, mostly the replay's fixed cost, so weekly points
/// (up to 40 a year) would cost seconds to 12 s on a first load against 0.7 s for December's four
/// monthly ones. A finished day's answer never changes (its events are all recorded), so each is kept
/// once computed: later loads measured 12–16 ms.
/// </summary>
public sealed class CoverageTrend(ReadModelReader readModels, TimeProvider time)
{
    /// <summary>One point of the trend: what the summary said at the end of <paramref name="Day"/>.</summary>
    public sealed record Point(DateOnly Day, long? Position, int Required, int Acknowledged, decimal Percent);

    // Bounded: a few points per school a year; cleared whole if a long-running node ever fills it.
    const int MaxKept = 20_000;
    readonly ConcurrentDictionary<(string Urn, DateOnly Day), Point?> finished = new();

    /// <summary>The first day of the school year (1 September) that <paramref name="day"/> falls in.</summary>
    public static DateOnly YearStart(DateOnly day) => new(day.Month >= 9 ? day.Year : day.Year - 1, 9, 1);

    /// <summary>The days the trend shows up to <paramref name="on"/>: each month's last day from September before it, then that day.</summary>
    public static IReadOnlyList<DateOnly> Days(DateOnly on)
    {
        var days = new List<DateOnly>();
        for (var month = YearStart(on); ; month = month.AddMonths(1))
        {
            var last = month.AddMonths(1).AddDays(-1);
            if (last >= on)
            {
                break;
            }
            days.Add(last);
        }
        days.Add(on);
        return days;
    }

    public static Point From(SchoolCompliance.Summary summary)
    {
        var (required, acknowledged) = (summary.Coverage.Sum(c => c.Required), summary.Coverage.Sum(c => c.Acknowledged));
        return new Point(summary.On, summary.AsOf.Position, required, acknowledged, SchoolCompliance.Percent(acknowledged, required));
    }

    /// <summary>
    /// The trend up to the day of <paramref name="current"/> (already read, so not read again). A day before the
    /// school's first event, or one with more history than a question may replay, has no point.
    /// </summary>
    public async Task<IReadOnlyList<Point>> PointsAsync(string urn, SchoolCompliance.Summary current, CancellationToken ct)
    {
        var today = SchoolDay.Today(time);
        var points = new List<Point>();
        var days = Days(current.On);
        foreach (var day in days.Take(days.Count - 1))
        {
            if (finished.TryGetValue((urn, day), out var kept))
            {
                if (kept is not null)
                {
                    points.Add(kept);
                }
                continue;
            }
            Point? point;
            try
            {
                await using var scope = await readModels.OpenAsync(urn, day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), ct);
                point = From(await SchoolCompliance.SummariseAsync(scope, urn, ct));
            }
            catch (CommandRefusedException e) when (e.Status is StatusCodes.Status404NotFound or StatusCodes.Status422UnprocessableEntity)
            {
                point = null;
            }
            if (day < today)
            {
                if (finished.Count >= MaxKept)
                {
                    finished.Clear();
                }
                finished[(urn, day)] = point;
            }
            if (point is not null)
            {
                points.Add(point);
            }
        }
        points.Add(From(current));
        return points;
    }
}
