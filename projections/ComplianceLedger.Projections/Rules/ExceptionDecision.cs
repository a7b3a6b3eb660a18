using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Projections.Rules;

/// <summary>
/// Every declaration (and exception request) has a decision: pending ones are due within
/// <see cref="DaysToDecide"/> days of being made, overdue after.
/// </summary>
public static class ExceptionDecision
{
    public const string Rule = "exception-decision";

    /// <summary>About 20 school days.</summary>
    public const int DaysToDecide = 28;

    /// <summary>Null when nothing is owed: the holder left before a decision.</summary>
    public static Verdict? Evaluate(ExceptionFacts item, DateOnly today)
    {
        if (item.FirstDecisionPosition is { } decided)
        {
            return new Verdict(ComplianceStatus.Ok, null, $"{item.What} decided", [item.OpenedPosition, decided]);
        }
        if (item.WithdrawnPosition is { } withdrawn)
        {
            return new Verdict(ComplianceStatus.Ok, null, $"{item.What} withdrawn before a decision", [item.OpenedPosition, withdrawn]);
        }
        if (item.HolderHasLeft(today))
        {
            return null;
        }
        var dueOn = item.OpenedOn.AddDays(DaysToDecide);
        return item.IsDeclaration && item.DslPosition is null
            ? Verdict.Pending(dueOn, today, $"{item.What} awaiting the DSL's advice and a decision", [item.OpenedPosition])
            : Verdict.Pending(dueOn, today, $"{item.What} awaiting a decision",
                item.DslPosition is { } dsl ? [item.OpenedPosition, dsl] : [item.OpenedPosition]);
    }
}
