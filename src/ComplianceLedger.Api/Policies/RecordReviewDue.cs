using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using Wolverine;

namespace ComplianceLedger.Api.Policies;

/// <summary>
/// A policy version's review date raises "review due": scheduled when the date is set (a version
/// published, a review without changes) for the first moment of that day in the school's time,
/// and recorded by the system then, once, if the date still stands (not reviewed, replaced or
/// retired meanwhile: those scheduled their own, or need none).
/// </summary>
public static class RecordReviewDue
{
    public const string Actor = "system:scheduled-review";

    public sealed record Command(string PolicyId, DateOnly ReviewDue, DateTimeOffset Now);

    /// <summary>Nothing when the date no longer stands or was recorded already; refused before the day.</summary>
    public static IReadOnlyList<object> Decide(Command c, Policy state)
    {
        if (state.Current is not { } current || state.NextReviewDue != c.ReviewDue || state.ReviewDueRecordedFor == c.ReviewDue)
        {
            return [];
        }
        if (SchoolDay.Of(c.Now) < c.ReviewDue)
        {
            throw CommandRefusedException.Conflict($"The review of {c.PolicyId} is due on {c.ReviewDue:yyyy-MM-dd}, not yet.");
        }
        return [new PolicyReviewDue(c.PolicyId, current.Label, c.ReviewDue, Actor, c.Now)];
    }

    /// <summary>For <see cref="AppendRequest.BeforeCommit"/>: schedules the day's message in the append that set the date.</summary>
    public static Func<Marten.IDocumentSession, CancellationToken, Task> Schedule(ScheduledWork work, string urn, string policyId, DateOnly reviewDue)
    {
        var due = new ReviewDue(urn, policyId, reviewDue);
        var recordOnTheDay = work.Schedule(urn, due, due.DueAt);
        return async (session, ct) =>
        {
            await recordOnTheDay(session, ct);
            // The clerk's notice ahead of the date (docs/notifications.md, rule 3) moves with it.
            await Notices.PolicyReviewReminders.OnReviewDateSetAsync(session, work, urn, policyId, reviewDue);
        };
    }
}

/// <summary>The message: the school, the policy and the review date it was scheduled for.</summary>
public sealed record ReviewDue(string Urn, string PolicyId, DateOnly On)
{
    public DateTimeOffset DueAt => new(TimeZoneInfo.ConvertTimeToUtc(On.ToDateTime(TimeOnly.MinValue), SchoolDay.Zone), TimeSpan.Zero);
}

public static partial class ReviewDueHandler
{
    public static async Task Handle(
        ReviewDue due, Envelope envelope, LedgerStore store, TimeProvider time, IMessageContext bus, ILogger<ReviewDue> log, CancellationToken ct)
    {
        if (!string.Equals(envelope.TenantId, due.Urn, StringComparison.Ordinal))
        {
            LogWrongSchool(log, due.PolicyId, envelope.TenantId);
            return;
        }
        var now = time.GetUtcNow();
        if (SchoolDay.Of(now) < due.On)
        {
            // Delivered before the school's day came (a clock moved): wait for it again.
            await bus.ScheduleAsync(due, ScheduledWork.WallClockOf(time, due.DueAt));
            return;
        }
        var command = new RecordReviewDue.Command(due.PolicyId, due.On, now);
        var streamId = Policy.StreamId(due.PolicyId);
        var (state, _) = await StreamHandler.LoadAsync(store, due.Urn, streamId, Policy.Stream, ct);
        if (RecordReviewDue.Decide(command, state).Count == 0)
        {
            return;
        }
        var context = CommandContext.ForOperator(due.Urn, RecordReviewDue.Actor, now, commandId: $"scheduled-review:{due.PolicyId}:{due.On:yyyy-MM-dd}");
        await StreamHandler.HandleAsync(store, context, streamId, Policy.Stream, s => RecordReviewDue.Decide(command, s) is { Count: > 0 } events
            ? events
            : throw CommandRefusedException.Conflict("Reviewed, replaced or recorded meanwhile."), ct);
    }

    [LoggerMessage(LogLevel.Warning, "Scheduled review of {PolicyId} arrived for school {Tenant}, not its own; ignored")]
    static partial void LogWrongSchool(ILogger log, string policyId, string? tenant);
}
