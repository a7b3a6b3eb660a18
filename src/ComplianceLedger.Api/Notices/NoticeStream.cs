using ComplianceLedger.Api.Ledger;

namespace ComplianceLedger.Api.Notices;

/// <summary>A person's notices stream (<c>notices-{personId}</c>): the messages sent to them, apart from their own record's stream so a reminder never changes its version.</summary>
public sealed record NoticeState(DateOnly? LastSentOn, bool StoppedCopies = false)
{
    public static string StreamId(Guid personId) => $"notices-{personId:D}";

    public static readonly StreamDefinition<NoticeState> Stream = new("notices", new NoticeState((DateOnly?)null), Evolve);

    static NoticeState Evolve(NoticeState state, object e) => e switch
    {
        ReminderSent sent => state with { LastSentOn = sent.Day },
        NoticesOptedOut => state with { StoppedCopies = true },
        _ => state,
    };

    /// <summary>At most one message a person a school day (docs/notifications.md, "Delivery").</summary>
    public static IReadOnlyList<object> Decide(ReminderSent sent, NoticeState state) =>
        state.LastSentOn == sent.Day
            ? throw CommandRefusedException.Conflict($"A message was sent to this person on {sent.Day:yyyy-MM-dd} already.")
            : [sent];

    /// <summary>Stopping copies twice records it once (the second is refused, and the page says they are stopped).</summary>
    public static IReadOnlyList<object> StopCopies(Guid personId, DateTimeOffset now, NoticeState state) =>
        state.StoppedCopies
            ? throw CommandRefusedException.Conflict("Copies are stopped already.")
            : [new NoticesOptedOut(personId, NoticesOptedOut.Copies, now)];
}
