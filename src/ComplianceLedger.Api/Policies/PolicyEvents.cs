using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;

namespace ComplianceLedger.Api.Policies;

// Events of a policy's stream (policy-{policyId}). Names are the ledger's, fixed once written.
// People appear as person references (person:{id}), never by name.

/// <summary>
/// A policy version was published: the SHA-256 of its document text, its review cycle, who
/// must acknowledge it and within how many days, and the longest exception it allows.
/// </summary>
[EventType("policy.version-published.v1")]
public sealed record PolicyVersionPublished(
    string PolicyId,
    string Title,
    string VersionLabel,
    string DocumentSha256,
    DateOnly EffectiveFrom,
    int ReviewCycleYears,
    DateOnly NextReviewDue,
    string ResponsibleCommittee,
    DateOnly? RatifiedOn,
    string? RatifiedByChair,
    IReadOnlyList<Role> Audiences,
    int DaysToAcknowledge,
    int MaxExceptionDays,
    string PublishedBy,
    DateTimeOffset PublishedAt);

/// <summary>Full governors ratified the version; the chair signs for them.</summary>
[EventType("policy.version-ratified.v1")]
public sealed record PolicyVersionRatified(
    string PolicyId, string VersionLabel, DateOnly RatifiedOn, string RatifiedByChair, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>A scheduled review found nothing to change; the next review moves on a cycle.</summary>
[EventType("policy.reviewed-without-change.v1")]
public sealed record PolicyReviewedWithoutChange(
    string PolicyId, string VersionLabel, DateOnly ReviewedOn, DateOnly NextReviewDue, string ReviewedBy, DateTimeOffset RecordedAt);

/// <summary>
/// The current version's review date came (recorded by the system on the day, from the schedule
/// set when the date was): the policy is due for review until it is reviewed or replaced.
/// </summary>
[EventType("policy.review-due.v1")]
public sealed record PolicyReviewDue(string PolicyId, string VersionLabel, DateOnly ReviewDue, string RecordedBy, DateTimeOffset RecordedAt);

[EventType("policy.retired.v1")]
public sealed record PolicyRetired(string PolicyId, DateOnly RetiredOn, string RetiredBy, DateTimeOffset RecordedAt);

/// <summary>How an acknowledgement reached the ledger.</summary>
public enum AcknowledgementMethod
{
    InApp,
    Paper,
}

/// <summary>A person acknowledged a policy version, naming the document hash they saw.</summary>
[EventType("policy.acknowledged.v1")]
public sealed record PolicyAcknowledged(
    string PolicyId,
    string VersionLabel,
    string DocumentSha256,
    Guid PersonId,
    AcknowledgementMethod Method,
    DateTimeOffset AcknowledgedAt,
    string? RecordedBy);

/// <summary>A person declined to acknowledge, with a reason (sealed: it may say personal things). It goes to the head.</summary>
[EventType("policy.acknowledgement-declined.v1")]
public sealed record PolicyAcknowledgementDeclined(
    string PolicyId, string VersionLabel, Guid PersonId, string SealedReason, DateTimeOffset DeclinedAt);

public sealed record PolicyVersion(
    string Label, string Title, string DocumentSha256, DateOnly EffectiveFrom, int ReviewCycleYears, bool Ratified,
    IReadOnlyList<Role> Audiences, int MaxExceptionDays);

/// <summary>A policy's state: its versions, the current one last.</summary>
public sealed record Policy(IReadOnlyList<PolicyVersion> Versions, bool Retired)
{
    /// <summary>When the current version is next to be reviewed (moved on by a review without changes).</summary>
    public DateOnly? NextReviewDue { get; init; }

    /// <summary>The review date for which "review due" was last recorded.</summary>
    public DateOnly? ReviewDueRecordedFor { get; init; }

    public static string StreamId(string policyId) => $"policy-{policyId}";

    public static readonly StreamDefinition<Policy> Stream = new("policy", new Policy([], false), Evolve);

    public PolicyVersion? Current => Retired || Versions.Count == 0 ? null : Versions[^1];

    public static Policy Evolve(Policy state, object @event) => @event switch
    {
        PolicyVersionPublished e => new Policy([.. state.Versions, new PolicyVersion(e.VersionLabel, e.Title, e.DocumentSha256,
            e.EffectiveFrom, e.ReviewCycleYears, e.RatifiedOn is not null, e.Audiences, e.MaxExceptionDays)], false)
        {
            NextReviewDue = e.NextReviewDue,
        },
        PolicyReviewedWithoutChange e => state with { NextReviewDue = e.NextReviewDue },
        PolicyReviewDue e => state with { ReviewDueRecordedFor = e.ReviewDue },
        PolicyVersionRatified e => state with
        {
            Versions = [.. state.Versions.Select(v => v.Label == e.VersionLabel ? v with { Ratified = true } : v)],
        },
        PolicyRetired => state with { Retired = true },
        _ => state,
    };
}
