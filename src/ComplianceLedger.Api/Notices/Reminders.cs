using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using Marten;

namespace ComplianceLedger.Api.Notices;

/// <summary>
/// A rule instance's next moment (one row of <c>ledger.reminders</c>) and the durable message for
/// it, written together in the transaction of the session given (docs/notifications.md, "How a rule
/// is scheduled"). Setting a row again supersedes the message scheduled before: that one, when it
/// fires, no longer finds its moment in the row and does nothing.
/// </summary>
public static class Reminders
{
    /// <summary>The moment a reminder falls due on a school day: 07:00 in the school's time.</summary>
    public static DateTimeOffset MorningOf(DateOnly day) =>
        new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(new TimeOnly(7, 0)), SchoolDay.Zone), TimeSpan.Zero);

    /// <param name="fresh">A new obligation (a version published, a start, a return): the rule starts its say from the beginning.</param>
    public static async Task SetAsync(IDocumentSession session, ScheduledWork work, string urn, string key, DateTimeOffset dueAt, bool fresh)
    {
        // Microseconds: PostgreSQL keeps no finer, and the message's moment is compared with the row's.
        dueAt = Truncate(dueAt);
        session.QueueSqlCommand(fresh
            ? """
              INSERT INTO ledger.reminders (tenant, key, due_at) VALUES (?, ?, ?)
              ON CONFLICT (tenant, key) DO UPDATE SET due_at = excluded.due_at, last_fired_on = NULL
              """
            : """
              INSERT INTO ledger.reminders (tenant, key, due_at) VALUES (?, ?, ?)
              ON CONFLICT (tenant, key) DO UPDATE SET due_at = excluded.due_at
              """, urn, key, dueAt);
        await work.Schedule(urn, new ReminderDue(urn, key, dueAt), dueAt)(session, CancellationToken.None);
    }

    /// <summary>The rule said what it had to and has no next moment, or was made moot.</summary>
    public static void Delete(IDocumentSession session, string urn, string key) =>
        session.QueueSqlCommand("DELETE FROM ledger.reminders WHERE tenant = ? AND key = ?", urn, key);

    public static DateTimeOffset Truncate(DateTimeOffset moment) => new(moment.UtcTicks - moment.UtcTicks % 10, TimeSpan.Zero);
}

/// <summary>The message: a rule instance of a school falls due at <see cref="DueAt"/>.</summary>
public sealed record ReminderDue(string Urn, string Key, DateTimeOffset DueAt);
