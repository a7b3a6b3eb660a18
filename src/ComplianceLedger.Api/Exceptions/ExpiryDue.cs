using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using Wolverine;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// An approval (of a request or a declared relationship) that runs until <see cref="Until"/> lapses
/// the day after, unless it was revoked, reviewed or extended meanwhile. Scheduled in the
/// transaction of the approval, review or extension that set the date (<see cref="Schedule"/>).
/// </summary>
public sealed record ExpiryDue(string Urn, Guid ItemId, DateOnly Until)
{
    /// <summary>Who records a lapse found by the schedule, in the events' actor (as <c>system:ledger-cli</c> names the CLI).</summary>
    public const string Actor = "system:scheduled-expiry";

    /// <summary>The first moment of the day after <see cref="Until"/>, in the school's time.</summary>
    public DateTimeOffset DueAt => new(TimeZoneInfo.ConvertTimeToUtc(Until.AddDays(1).ToDateTime(TimeOnly.MinValue), SchoolDay.Zone), TimeSpan.Zero);

    public static Func<Marten.IDocumentSession, CancellationToken, Task> Schedule(ScheduledWork work, string urn, Guid itemId, DateOnly until)
    {
        var due = new ExpiryDue(urn, itemId, until);
        return async (session, ct) =>
        {
            await work.Schedule(urn, due, due.DueAt)(session, ct);
            // And the holder is told two weeks ahead (docs/notifications.md, rule 2).
            await Notices.ExceptionReminders.OnApprovedAsync(session, work, urn, itemId, until);
        };
    }
}

/// <summary>
/// Records the lapse through <see cref="RecordExpiry"/>'s decision, as the system, once: the
/// command id is the message's (a redelivered message replays the first append), and an item no
/// longer approved until that date is left alone (a review or extension scheduled its own).
/// </summary>
public static partial class ExpiryDueHandler
{
    public static async Task Handle(
        ExpiryDue due, Envelope envelope, LedgerStore store, ScheduledWork work, Npgsql.NpgsqlDataSource dataSource, IConfiguration configuration,
        TimeProvider time, IMessageContext bus, ILogger<ExpiryDue> log, CancellationToken ct)
    {
        if (!string.Equals(envelope.TenantId, due.Urn, StringComparison.Ordinal))
        {
            // Wolverine carries the school in the envelope; a message without it must not act for any school.
            LogWrongSchool(log, due.ItemId, envelope.TenantId);
            return;
        }
        var now = time.GetUtcNow();
        var (streamId, definition, state) = await ExceptionCase.FindAsync(store, due.Urn, due.ItemId, ct);
        if (state.Status != CaseStatus.Approved || state.Until != due.Until)
        {
            LogNothingToDo(log, due.ItemId, state.Status);
            return;
        }
        if (SchoolDay.Of(now) <= due.Until)
        {
            // Delivered before the school's day turned (a clock moved): wait for it again.
            await bus.ScheduleAsync(due, ScheduledWork.WallClockOf(time, due.DueAt));
            return;
        }
        var context = CommandContext.ForOperator(due.Urn, ExpiryDue.Actor, now, commandId: $"scheduled-expiry:{due.ItemId}:{due.Until:yyyy-MM-dd}");
        var command = new RecordExpiry.Command(due.ItemId, due.Until.AddDays(1), ExpiryDue.Actor, now);
        try
        {
            // The holder and the head are told it lapsed, in the lapse's transaction (rule 2).
            await StreamHandler.HandleAsync(store, context, streamId, definition, s => RecordExpiry.Decide(command, s),
                (session, token) => Notices.ExceptionReminders.TellAsync(session, work, dataSource, due.Urn, state, due.Until,
                    Notices.NoticeKinds.ExceptionLapsed, Notices.NoticeKinds.ExceptionLapsedCopy, $"exception-lapsed:{due.ItemId:D}",
                    SchoolDay.Of(now), now + Notices.Notices.GatherFor(configuration), token), ct);
        }
        catch (CommandRefusedException refused)
        {
            // Revoked or renewed between the look and the append: nothing lapsed.
            LogRefused(log, due.ItemId, refused.Message);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Scheduled expiry of {ItemId} arrived for school {Tenant}, not its own; ignored")]
    static partial void LogWrongSchool(ILogger log, Guid itemId, string? tenant);

    [LoggerMessage(LogLevel.Information, "Scheduled expiry of {ItemId}: it is {Status} or runs to another date now; nothing to record")]
    static partial void LogNothingToDo(ILogger log, Guid itemId, CaseStatus status);

    [LoggerMessage(LogLevel.Information, "Scheduled expiry of {ItemId} refused: {Reason}")]
    static partial void LogRefused(ILogger log, Guid itemId, string reason);
}
