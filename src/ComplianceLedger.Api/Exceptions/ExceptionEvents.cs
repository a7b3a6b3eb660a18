using System.Text.Json.Serialization;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;

namespace ComplianceLedger.Api.Exceptions;

// Events of declared relationships (declaration-{id}) and exception requests (exception-{id}).
// Each stream opens with its own event; every later step is a shared exception.* event, because
// a decision on a declared relationship is an exception to the policy like any other (DOMAIN,
// family 4). Free text about people (descriptions, advice, conditions, reasons) is sealed with
// the holder's key, so erasing them leaves the chain intact. Every event names the holder
// (personId), so read models need no look-ups.

/// <summary>What a declared pre-existing relationship is.</summary>
public enum RelationshipKind
{
    /// <summary>A family link with a pupil.</summary>
    PupilFamily,

    /// <summary>A personal friendship with a parent.</summary>
    ParentFriend,

    /// <summary>Contact with a former pupil who is still under 18.</summary>
    [JsonStringEnumMemberName("ex-pupil-under-18")]
    ExPupilUnder18,
    Other,
}

/// <summary>Whose arrival brought the relationship into school: the pupil's or the member of staff's.</summary>
public enum EntryOf
{
    Pupil,
    Staff,
}

/// <summary>The exceptions a person may ask for that are not about a relationship.</summary>
public enum ExceptionKind
{
    /// <summary>Personal phone or email used on school business.</summary>
    PersonalContact,

    /// <summary>A personal blog that names the school.</summary>
    StaffBlog,

    /// <summary>Social media used as a remote-learning platform; needs a risk assessment first.</summary>
    RemoteLearningPlatform,
}

/// <summary>A member of staff (governor, volunteer…) declares a relationship the policy would otherwise forbid.</summary>
[EventType("declaration.made.v1")]
public sealed record RelationshipDeclared(
    Guid DeclarationId, Guid PersonId, RelationshipKind Kind, string SealedDescription, EntryOf OnEntryOf, DateOnly EnteredOn,
    string DeclaredBy, DateTimeOffset DeclaredAt);

/// <summary>A person asks for an exception that is not about a relationship.</summary>
[EventType("exception.requested.v1")]
public sealed record ExceptionRequested(
    Guid ExceptionId, Guid PersonId, ExceptionKind Kind, string SealedDescription, string? RiskAssessmentReference,
    string RequestedBy, DateTimeOffset RequestedAt);

/// <summary>The DSL was consulted and their written advice recorded (required before a declaration is decided).</summary>
[EventType("exception.dsl-consulted.v1")]
public sealed record DslAdviceRecorded(Guid ItemId, Guid PersonId, string SealedAdvice, string ConsultedBy, DateTimeOffset ConsultedAt);

/// <summary>Approved with conditions until a date: a review date for a relationship, an expiry date for a request.</summary>
[EventType("exception.approved.v1")]
public sealed record ExceptionApproved(
    Guid ItemId, Guid PersonId, string SealedConditions, DateOnly Until, string? RiskAssessmentReference,
    string DecidedBy, Role DecidedAs, DateTimeOffset DecidedAt);

[EventType("exception.declined.v1")]
public sealed record ExceptionDeclined(Guid ItemId, Guid PersonId, string SealedReasons, string DecidedBy, Role DecidedAs, DateTimeOffset DecidedAt);

/// <summary>The holder withdraws: the request is no longer wanted, or the relationship has ended.</summary>
[EventType("exception.withdrawn.v1")]
public sealed record ExceptionWithdrawn(Guid ItemId, Guid PersonId, string SealedReason, string WithdrawnBy, DateTimeOffset WithdrawnAt);

/// <summary>A periodic review of an approved relationship: the review date moves on; conditions may change (null: unchanged).</summary>
[EventType("exception.reviewed.v1")]
public sealed record ExceptionReviewed(
    Guid ItemId, Guid PersonId, DateOnly NextReviewOn, string? SealedConditions, string ReviewedBy, Role ReviewedAs, DateTimeOffset ReviewedAt);

[EventType("exception.revoked.v1")]
public sealed record ExceptionRevoked(Guid ItemId, Guid PersonId, string SealedReason, string RevokedBy, Role RevokedAs, DateTimeOffset RevokedAt);

/// <summary>Recorded (by the head or office) once the approval's date has passed without a review or extension.</summary>
[EventType("exception.expired.v1")]
public sealed record ExceptionExpired(Guid ItemId, Guid PersonId, DateOnly ExpiredOn, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>Before it lapses, the holder asks for an approved exception to run longer.</summary>
[EventType("exception.extension-requested.v1")]
public sealed record ExtensionRequested(
    Guid ItemId, Guid PersonId, DateOnly Until, string SealedReason, string RequestedBy, DateTimeOffset RequestedAt);

/// <summary>The extension is granted to a date (at most the one asked for); conditions may change (null: unchanged).</summary>
[EventType("exception.extension-approved.v1")]
public sealed record ExtensionApproved(
    Guid ItemId, Guid PersonId, DateOnly Until, string? SealedConditions, string DecidedBy, Role DecidedAs, DateTimeOffset DecidedAt);

/// <summary>The extension is refused; the exception still runs to its current date.</summary>
[EventType("exception.extension-declined.v1")]
public sealed record ExtensionDeclined(Guid ItemId, Guid PersonId, string SealedReasons, string DecidedBy, Role DecidedAs, DateTimeOffset DecidedAt);
