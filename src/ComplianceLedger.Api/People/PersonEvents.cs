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

/// <summary>
/// The address the person signs in with, once a provider has verified it: sealed with the
/// person's key (shredding it erases the address) and a keyed blind index to find them by
/// (<see cref="SignIn.SignInEmails"/>). A later one replaces it.
/// </summary>
[EventType("person.sign-in-email-set.v1")]
public sealed record PersonSignInEmailSet(Guid PersonId, string SealedEmail, string EmailIndex, string SetBy, DateTimeOffset SetAt);

[EventType("person.left.v1")]
public sealed record PersonLeft(Guid PersonId, DateOnly LeftOn, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>A person's state for decisions about them.</summary>
public sealed record Person(bool Enrolled, IReadOnlyList<Role> Roles, bool OnLeave, bool Left)
{
    /// <summary>The first day of the leave recorded last (a return must not come before it).</summary>
    public DateOnly? LeaveFrom { get; init; }

    /// <summary>The blind index of the sign-in email set last (null: none), so the same address again records nothing.</summary>
    public string? EmailIndex { get; init; }

    public static string StreamId(Guid personId) => $"person-{personId:D}";

    public static readonly StreamDefinition<Person> Stream = new("person", new Person(false, [], false, false), Evolve);

    public static Person Evolve(Person state, object @event) => @event switch
    {
        PersonEnrolled e => new Person(true, e.Roles, false, false),
        PersonRolesChanged e => state with { Roles = e.Roles },
        PersonLeaveStarted e => state with { OnLeave = true, LeaveFrom = e.From },
        PersonReturnedFromLeave => state with { OnLeave = false },
        PersonSignInEmailSet e => state with { EmailIndex = e.EmailIndex },
        PersonLeft => state with { Left = true },
        _ => state,
    };

    /// <summary>Refuses a change to someone who is not (or no longer) at the school.</summary>
    public void MustBeCurrent()
    {
        if (!Enrolled)
        {
            throw CommandRefusedException.NotFound("No such person at this school.");
        }
        if (Left)
        {
            throw CommandRefusedException.Conflict("The person has left the school.");
        }
    }
}
