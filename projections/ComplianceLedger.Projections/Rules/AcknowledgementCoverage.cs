using ComplianceLedger.EventStore;
using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Projections.Rules;

/// <summary>
/// Every active person in a role that must acknowledge the current version has done so within
/// the allowed days from the later of the version's effective date and their start date (or
/// their return from long-term leave). Declining is never acknowledging: it needs the head's attention.
/// </summary>
public static class AcknowledgementCoverage
{
    public const string Rule = "acknowledgement";

    public static string SubjectId(Guid personId, string policyId) => $"{personId:D}/{policyId}";

    /// <summary>Null when the person owes this version nothing (left, not in its audience, version not current).</summary>
    public static Verdict? Evaluate(PersonFacts person, PolicyVersionFacts version, AcknowledgementFacts? latest, DateOnly today)
    {
        if (!version.IsCurrent || person.HasLeft(today) || !person.Roles.Any(version.Audiences.Contains))
        {
            return null;
        }
        var what = $"{version.Title} {version.VersionLabel}";
        if (latest is { Declined: false })
        {
            return new Verdict(ComplianceStatus.Ok, null, $"acknowledged {what} on {SchoolDay.Of(latest.At):yyyy-MM-dd}",
                [version.Positions[0], latest.Position]);
        }
        if (latest is { Declined: true })
        {
            return new Verdict(ComplianceStatus.Attention, null, $"declined to acknowledge {what}", [version.Positions[0], latest.Position]);
        }
        if (person.IsOnLeave(today))
        {
            return new Verdict(ComplianceStatus.OnLeave, null, $"on leave since {person.LeaveFrom:yyyy-MM-dd}; {what} is due after return",
                [version.Positions[0], person.LastPosition]);
        }
        var clockStarts = Latest(version.EffectiveFrom, person.StartedOn, person.ReturnedOn);
        return Verdict.Pending(clockStarts.AddDays(version.DaysToAcknowledge), today, $"{what} not yet acknowledged",
            [version.Positions[0], person.LastPosition]);
    }

    static DateOnly Latest(DateOnly a, DateOnly b, DateOnly? c)
    {
        var latest = a > b ? a : b;
        return c is { } d && d > latest ? d : latest;
    }
}
