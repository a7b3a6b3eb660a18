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
