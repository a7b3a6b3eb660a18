namespace ComplianceLedger.EventStore;

/// <summary>
/// The day a moment falls on for a school. English schools keep UK time, so a deadline, a review
/// date or "as of 1 September" turns at midnight in London, not in UTC: an acknowledgement made at
/// 00:30 on a summer morning belongs to that morning's date on every dashboard, live or as of.
/// </summary>
public static class SchoolDay
{
    const string ZoneId = "Europe/London";

    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById(ZoneId);

    public static DateOnly Of(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);

    public static DateOnly Today(TimeProvider time) => Of(time.GetUtcNow());

    /// <summary>The same day in SQL, for statements that compare a date with today.</summary>
    public const string TodaySql = $"(now() AT TIME ZONE '{ZoneId}')::date";
}
