using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Projections.Rules;

/// <summary>No decision on a declared relationship without a DSL consultation recorded before it.</summary>
public static class DslConsultation
{
    public const string Rule = "dsl-consultation";

    /// <summary>Null for exception requests and for declarations not yet decided.</summary>
    public static Verdict? Evaluate(ExceptionFacts item)
    {
        if (!item.IsDeclaration || item.FirstDecisionPosition is not { } decided)
        {
            return null;
        }
        return item.DslPosition is { } dsl && dsl < decided
            ? new Verdict(ComplianceStatus.Ok, null, $"{item.What} decided after the DSL's recorded advice", [dsl, decided])
            : new Verdict(ComplianceStatus.Attention, null, $"{item.What} decided without a recorded DSL consultation", [item.OpenedPosition, decided]);
    }
}
