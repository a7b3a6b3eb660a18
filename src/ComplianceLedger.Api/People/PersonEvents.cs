using ComplianceLedger.Api.Ledger;

namespace ComplianceLedger.Api.People;

// Events of a person's stream (person-{id}). Names are sealed with the person's key
// (PersonalDataVault), so erasing a person leaves the chain intact.

public enum LeaveKind
{
    Maternity,
    Sickness,
    Secondment,
    Other,
}

[EventType("person.enrolled.v1")]
public sealed record PersonEnrolled(
    Guid PersonId, string SealedName, IReadOnlyList<Role> Roles, DateOnly StartedOn, string EnrolledBy, DateTimeOffset EnrolledAt);

[EventType("person.roles-changed.v1")]
public sealed record PersonRolesChanged(
    Guid PersonId, IReadOnlyList<Role> Roles, DateOnly EffectiveOn, string ChangedBy, DateTimeOffset ChangedAt);

/// <summary>Long-term leave: the person is exempt while away; their deadlines restart on return.</summary>
[EventType("person.leave-started.v1")]
public sealed record PersonLeaveStarted(Guid PersonId, LeaveKind Kind, DateOnly From, string RecordedBy, DateTimeOffset RecordedAt);

[EventType("person.returned-from-leave.v1")]
public sealed record PersonReturnedFromLeave(Guid PersonId, DateOnly On, string RecordedBy, DateTimeOffset RecordedAt);

[EventType("person.left.v1")]
public sealed record PersonLeft(Guid PersonId, DateOnly LeftOn, string RecordedBy, DateTimeOffset RecordedAt);
