using ComplianceLedger.Api.Ledger;

namespace ComplianceLedger.Api.Notices;

/// <summary>What one sent message was about: the notice's kind, its subject and the day it fell due.</summary>
public sealed record SentNotice(string Kind, string Subject, DateOnly DueOn);

/// <summary>
/// A message went to the person (in their <c>notices:{personId}</c> stream). The message id, the day
/// and what it was about, never its text, its subject line or the address.
/// </summary>
[EventType("reminder.sent.v1")]
public sealed record ReminderSent(Guid PersonId, string MessageId, DateOnly Day, IReadOnlyList<SentNotice> Notices, DateTimeOffset SentAt);

/// <summary>The person asked, from a message's link, to stop the optional copies (about other people); their own deadlines still come.</summary>
[EventType("notices.opted-out.v1")]
public sealed record NoticesOptedOut(Guid PersonId, string What, DateTimeOffset OptedOutAt)
{
    /// <summary>The one kind of optional notice so far: copies to the head about other people.</summary>
    public const string Copies = "copies";
}
