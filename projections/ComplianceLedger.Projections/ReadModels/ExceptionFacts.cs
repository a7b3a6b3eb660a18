namespace ComplianceLedger.Projections.ReadModels;

/// <summary>
/// A declared relationship (<c>declaration</c>) or exception request (<c>exception</c>) as the
/// rules see it: where it stands, the chain positions of its steps, and its holder today.
/// </summary>
public sealed record ExceptionFacts(
    Guid ItemId,
    string Subject,
    Guid PersonId,
    string Kind,
    string Status,
    DateOnly OpenedOn,
    long OpenedPosition,
    long? DslPosition,
    long? FirstDecisionPosition,
    long? DecisionPosition,
    DateOnly? Until,
    DateOnly? ExtensionUntil,
    long? LapsedPosition,
    long? WithdrawnPosition,
    long? SelfDecidedPosition,
    IReadOnlyList<string> HolderRoles,
    DateOnly? HolderLeftOn)
{
    public const string Declaration = "declaration";

    public bool IsDeclaration => Subject == Declaration;

    public bool HolderHasLeft(DateOnly day) => HolderLeftOn is { } left && left <= day;

    /// <summary>How verdicts name it: never the description, which is personal.</summary>
    public string What => IsDeclaration ? $"declared relationship ({Kind})" : $"exception request ({Kind})";
}
