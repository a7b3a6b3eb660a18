using ComplianceLedger.Api.Ledger;

namespace ComplianceLedger.Api.Policies;

// Events of a policy's stream. Names are the ledger's, fixed forever once written.

/// <summary>How an acknowledgement reached the ledger.</summary>
public enum AcknowledgementMethod
{
    InApp,
    Paper,
}

/// <summary>A policy version was published, with the SHA-256 of its document text.</summary>
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
    DateOnly RatifiedOn,
    string RatifiedByChair, // a person reference, never a name: names live in crypto-shreddable records
    IReadOnlyList<string> Audiences,
    int DaysToAcknowledge,
    string PublishedBy,
    DateTimeOffset PublishedAt);

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
