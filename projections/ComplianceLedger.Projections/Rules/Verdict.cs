namespace ComplianceLedger.Projections.Rules;

public enum ComplianceStatus
{
    Ok,
    Due,
    Overdue,
    Attention,
    OnLeave,
    NotStarted,
}

/// <summary>
/// A rule's finding about one subject, with the chain positions of the events that prove it.
/// <paramref name="Late"/>: done (ok), but after its deadline.
/// </summary>
public sealed record Verdict(ComplianceStatus Status, DateOnly? DueOn, string Detail, IReadOnlyList<long> Proof, bool Late = false)
{
    public static string StatusName(ComplianceStatus status) => status switch
    {
        ComplianceStatus.OnLeave => "on-leave",
        ComplianceStatus.NotStarted => "not-started",
        _ => status.ToString().ToLowerInvariant(),
    };

    public static ComplianceStatus ParseStatus(string name) => name switch
    {
        "ok" => ComplianceStatus.Ok,
        "due" => ComplianceStatus.Due,
        "overdue" => ComplianceStatus.Overdue,
        "attention" => ComplianceStatus.Attention,
        "on-leave" => ComplianceStatus.OnLeave,
        "not-started" => ComplianceStatus.NotStarted,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a verdict status."),
    };

    /// <summary>Whether two verdicts would be stored as the same row values.</summary>
    public bool SameAs(Verdict other) =>
        Status == other.Status && DueOn == other.DueOn && Detail == other.Detail && Proof.SequenceEqual(other.Proof) && Late == other.Late;

    /// <summary>Due until <paramref name="dueOn"/>, overdue after it.</summary>
    public static Verdict Pending(DateOnly dueOn, DateOnly today, string detail, IReadOnlyList<long> proof) =>
        new(today > dueOn ? ComplianceStatus.Overdue : ComplianceStatus.Due, dueOn, detail, proof);
}
