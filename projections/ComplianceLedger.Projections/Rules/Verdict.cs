namespace ComplianceLedger.Projections.Rules;

public enum ComplianceStatus
{
    Ok,
    Due,
    Overdue,
    Attention,
    OnLeave,
}

/// <summary>A rule's finding about one subject, with the chain positions of the events that prove it.</summary>
public sealed record Verdict(ComplianceStatus Status, DateOnly? DueOn, string Detail, IReadOnlyList<long> Proof)
{
    public static string StatusName(ComplianceStatus status) => status switch
    {
        ComplianceStatus.OnLeave => "on-leave",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>Due until <paramref name="dueOn"/>, overdue after it.</summary>
    public static Verdict Pending(DateOnly dueOn, DateOnly today, string detail, IReadOnlyList<long> proof) =>
        new(today > dueOn ? ComplianceStatus.Overdue : ComplianceStatus.Due, dueOn, detail, proof);
}
