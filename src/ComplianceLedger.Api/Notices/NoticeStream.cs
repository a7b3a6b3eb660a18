using ComplianceLedger.Api.Ledger;

namespace ComplianceLedger.Api.Notices;

/// <summary>A person's notices stream (<c>notices-{personId}</c>): the messages sent to them, apart from their own record's stream so a reminder never changes its version.</summary>
public sealed record NoticeState(DateOnly? LastSentOn)
{
    public static string StreamId(Guid personId) => $"notices-{personId:D}";

    public static readonly StreamDefinition<NoticeState> Stream = new("notices", new NoticeState((DateOnly?)null), Evolve);

    static NoticeState Evolve(NoticeState state, object e) => e switch
    {
        ReminderSent sent => state with { LastSentOn = sent.Day },
        _ => state,
    };

    /// <summary>At most one message a person a school day (docs/notifications.md, "Delivery").</summary>
    public static IReadOnlyList<object> Decide(ReminderSent sent, NoticeState state) =>
        state.LastSentOn == sent.Day
            ? throw CommandRefusedException.Conflict($"A message was sent to this person on {sent.Day:yyyy-MM-dd} already.")
            : [sent];
}
