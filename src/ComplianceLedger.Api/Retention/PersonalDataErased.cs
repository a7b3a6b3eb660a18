using ComplianceLedger.Api.Ledger;

namespace ComplianceLedger.Api.Retention;

/// <summary>
/// A subject's key was shredded under the retention table: which subject (a person, or one vault
/// reference of an account), what kinds of records it sealed, under which rule (<c>leaver-6y</c>), the
/// day it fell due and when the key was shredded. Ids and words only: nothing it erased. In the
/// stream <c>personal-data-{subject}</c>, once.
/// </summary>
[EventType("personal-data.erased.v1")]
public sealed record PersonalDataErased(
    Guid SubjectId, string SubjectKind, Guid? PersonId, Guid? AccountId, IReadOnlyList<string> Records, string Rule, DateOnly DueOn,
    DateTimeOffset ShreddedAt, DateTimeOffset RecordedAt)
{
    public const string Person = "person";
    public const string VaultReference = "vault-reference";

    /// <summary>Who records it, in the events' actor.</summary>
    public const string Actor = "system:retention";

    /// <summary>The prefix of <c>shredded_by</c> for a key shredded by the retention table.</summary>
    public const string ShreddedByPrefix = "retention:";

    public static string StreamId(Guid subject) => $"personal-data-{subject:D}";

    public static readonly StreamDefinition<bool> Stream = new("personal-data", false, (recorded, e) => recorded || e is PersonalDataErased);
}
