namespace ComplianceLedger.Projections.ReadModels;

/// <summary>A person as the ledger knows them today. Roles are the ledger's kebab-case names.</summary>
public sealed record PersonFacts(
    Guid PersonId, IReadOnlyList<string> Roles, DateOnly StartedOn, DateOnly? LeftOn, DateOnly? LeaveFrom, DateOnly? ReturnedOn,
    long LastPosition)
{
    public bool HasLeft(DateOnly day) => LeftOn is { } left && left <= day;
    public bool IsOnLeave(DateOnly day) => LeaveFrom is { } from && from <= day;
}

public sealed record PolicyVersionFacts(
    string PolicyId, string VersionLabel, string Title, string DocumentSha256, DateOnly EffectiveFrom, int ReviewCycleYears,
    DateOnly NextReviewDue, DateOnly? RatifiedOn, string? RatifiedBy, IReadOnlyList<string> Audiences, int DaysToAcknowledge,
    int MaxExceptionDays, bool IsCurrent, DateOnly? RetiredOn, IReadOnlyList<long> Positions);

public sealed record AcknowledgementFacts(Guid PersonId, string PolicyId, string VersionLabel, bool Declined, DateTimeOffset At, long Position);
