using System.Globalization;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore.Packs;

namespace ComplianceLedger.Api.EvidencePacks;

/// <summary>
/// The period a person asks a pack for, as the API and <c>ledger export</c> take it: <c>from</c>
/// and <c>to</c> (inclusive), or <c>asOf</c> alone. Each mistake is named by its field, in words.
/// </summary>
public static class PackPeriodInput
{
    /// <summary>A school year and a little: the longest period one pack covers (an "as of" pack has no limit).</summary>
    public const int MaxDays = 400;

    public static (PackPeriod? Period, IReadOnlyList<FieldError> Errors) Parse(string? from, string? to, string? asOf, DateOnly today)
    {
        var errors = new List<FieldError>();
        DateOnly? Day(string field, string? value)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return null;
            }
            if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                if (day > today)
                {
                    errors.Add(new(field, $"{field} must be today or earlier: a pack cannot hold what is not yet recorded"));
                }
                return day;
            }
            errors.Add(new(field, $"{field} must be a date written as year-month-day, such as 2027-08-31"));
            return null;
        }
        var f = Day("from", from);
        var t = Day("to", to);
        var a = Day("asOf", asOf);
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        if (a is { } day)
        {
            if (f is not null || t is not null)
            {
                errors.Add(new("asOf", "Give either asOf, for everything up to a date, or from and to, for a period; not both"));
                return (null, errors);
            }
            return (new PackPeriod(day, day, AsOf: true), errors);
        }
        if (f is null)
        {
            errors.Add(new("from", "Enter from, the first day of the period, such as 2026-09-01 (or asOf alone)"));
        }
        if (t is null)
        {
            errors.Add(new("to", "Enter to, the last day of the period, such as 2027-08-31 (or asOf alone)"));
        }
        if (f is { } start && t is { } end)
        {
            if (start > end)
            {
                errors.Add(new("to", "to must be the same day as from or later"));
            }
            else if (end.DayNumber - start.DayNumber + 1 > MaxDays)
            {
                errors.Add(new("to", $"A pack covers at most {MaxDays} days: choose a shorter period (a school year is 365)"));
            }
        }
        return errors.Count > 0 ? (null, errors) : (new PackPeriod(f!.Value, t!.Value, AsOf: false), errors);
    }
}
