using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using Marten;
using Npgsql;

namespace ComplianceLedger.Api.Notices;

/// <summary>
/// Rule 2 of docs/notifications.md: the holder of an approved exception (and each headteacher, a
/// copy they may stop) is told 14 days before its last day, so there is time to ask for an
/// extension, and again when it lapses. One reminder row per item: <c>exception-ending:{itemId}</c>,
/// set by the approval, review or extension that set the date (with the lapse itself, <see cref="ExpiryDue"/>).
/// </summary>
public static class ExceptionReminders
{
    public const string Prefix = "exception-ending:";

    public const int DaysBefore = 14;

    public static string Key(Guid itemId) => $"{Prefix}{itemId:D}";

    /// <summary>The subject of an item's notices: the item and the last day it was approved to.</summary>
    public static string Subject(Guid itemId, DateOnly until) => $"{itemId:D}:{until:yyyy-MM-dd}";

    public static (Guid ItemId, DateOnly Until) ParseSubject(string subject) =>
        (Guid.Parse(subject.AsSpan(0, 36)), DateOnly.ParseExact(subject.AsSpan(37), "yyyy-MM-dd"));

    /// <summary>For the append that set <paramref name="until"/>: the reminder 14 days before (at once, when that has passed).</summary>
    public static Task OnApprovedAsync(IDocumentSession session, ScheduledWork work, string urn, Guid itemId, DateOnly until) =>
        Reminders.SetAsync(session, work, urn, Key(itemId), Reminders.MorningOf(until.AddDays(-DaysBefore)), fresh: true);

    /// <summary>Whether the item still runs to that date, approved: otherwise its ending notice is moot.</summary>
    public static bool StillEnding(ExceptionCase state, DateOnly until) => state.Status == CaseStatus.Approved && state.Until == until;

    /// <summary>What the rule says today: nothing before the day (the date moved later: look again then), the notice on or after it until the last day.</summary>
    public static (bool Say, DateOnly? Next) Plan(ExceptionCase state, DateOnly today)
    {
        if (state.Status != CaseStatus.Approved || state.Until is not { } until || today > until)
        {
            return (false, null);
        }
        var on = until.AddDays(-DaysBefore);
        return today < on ? (false, on) : (true, null);
    }

    /// <summary>Stores the notices for the holder and each head (in <paramref name="session"/>'s transaction).</summary>
    public static async Task TellAsync(
        IDocumentSession session, ScheduledWork work, NpgsqlDataSource dataSource, string urn, ExceptionCase state, DateOnly until, string kind, string copyKind,
        string reminder, DateOnly today, DateTimeOffset gatherAt, CancellationToken ct)
    {
        var subject = Subject(state.Id, until);
        await Notices.AddAsync(session, work, urn, state.Holder, kind, subject, null, reminder, today, gatherAt);
        foreach (var head in await Notices.HeadteachersAsync(dataSource, urn, ct))
        {
            if (head != state.Holder)
            {
                await Notices.AddAsync(session, work, urn, head, copyKind, subject, state.Holder, reminder, today, gatherAt);
            }
        }
    }
}
