using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Projections.Rules;

/// <summary>
/// A relationship whose approval was revoked or expired, but which is still declared, needs the
/// head's attention: decide it afresh, or the declarant withdraws it once it has ended.
/// </summary>
public static class LapsedRelationship
{
    public const string Rule = "lapsed-relationship";

    /// <summary>Null unless a declaration's approval was ever revoked or expired.</summary>
    public static Verdict? Evaluate(ExceptionFacts item, DateOnly today)
    {
        if (!item.IsDeclaration || item.LapsedPosition is not { } lapsed)
        {
            return null;
        }
        if (item.Status is "revoked" or "expired")
        {
            return item.HolderHasLeft(today)
                ? null
                : new Verdict(ComplianceStatus.Attention, null, $"{item.What} {item.Status} but still declared", [item.OpenedPosition, lapsed]);
        }
        var since = item.Status == "withdrawn" ? item.WithdrawnPosition : item.DecisionPosition;
        return new Verdict(ComplianceStatus.Ok, null, $"{item.What} {item.Status} after its approval lapsed",
            since is { } later && later > lapsed ? [lapsed, later] : [lapsed]);
    }
}
