using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Projections.Rules;

/// <summary>A current policy version is ratified by governors and reviewed by its due date.</summary>
public static class PolicyReview
{
    public const string Rule = "policy-review";

    public static Verdict? Evaluate(PolicyVersionFacts version, DateOnly today)
    {
        if (!version.IsCurrent)
        {
            return null;
        }
        var what = $"{version.Title} {version.VersionLabel}";
        if (version.RatifiedOn is null)
        {
            return new Verdict(ComplianceStatus.Attention, null, $"{what} is not ratified by governors", version.Positions);
        }
        return today > version.NextReviewDue
            ? new Verdict(ComplianceStatus.Overdue, version.NextReviewDue, $"{what} review was due {version.NextReviewDue:yyyy-MM-dd}", version.Positions)
            : new Verdict(ComplianceStatus.Ok, version.NextReviewDue, $"{what} ratified {version.RatifiedOn:yyyy-MM-dd}; next review {version.NextReviewDue:yyyy-MM-dd}", version.Positions);
    }
}
