using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Projections.Rules;

/// <summary>
/// No one decides their own request. The commands refuse it, so only imported history can break
/// this; the rule exists so the dashboard would show it if it did.
/// </summary>
public static class SegregationOfDuties
{
    public const string Rule = "segregation-of-duties";

    /// <summary>Null until something has been decided.</summary>
    public static Verdict? Evaluate(ExceptionFacts item)
    {
        if (item.DecisionPosition is not { } decision)
        {
            return null;
        }
        return item.SelfDecidedPosition is { } self
            ? new Verdict(ComplianceStatus.Attention, null, $"{item.What} decided by its own holder", [item.OpenedPosition, self])
            : new Verdict(ComplianceStatus.Ok, null, $"{item.What} decided by someone other than its holder", [item.OpenedPosition, decision]);
    }
}
