using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Projections.Rules;

/// <summary>
/// An approved exception is reviewed (a relationship) or extended or recorded as expired (a
/// request) by its date: ok until then, overdue after.
/// </summary>
public static class ExceptionReview
{
    public const string Rule = "exception-review";

    /// <summary>Null unless approved and its holder is still at the school.</summary>
    public static Verdict? Evaluate(ExceptionFacts item, DateOnly today)
    {
        if (item.Status != "approved" || item.Until is not { } until || item.DecisionPosition is not { } decision || item.HolderHasLeft(today))
        {
            return null;
        }
        var proof = new[] { item.OpenedPosition, decision };
        var asked = item.ExtensionUntil is { } to ? $"; extension to {to:yyyy-MM-dd} requested" : "";
        if (today > until)
        {
            return new Verdict(ComplianceStatus.Overdue, until, item.IsDeclaration
                ? $"{item.What}: review was due {until:yyyy-MM-dd}"
                : $"{item.What}: ran until {until:yyyy-MM-dd}; record its expiry or decide the extension{asked}", proof);
        }
        return new Verdict(ComplianceStatus.Ok, until, item.IsDeclaration
            ? $"{item.What} approved; next review {until:yyyy-MM-dd}"
            : $"{item.What} approved until {until:yyyy-MM-dd}{asked}", proof);
    }
}
