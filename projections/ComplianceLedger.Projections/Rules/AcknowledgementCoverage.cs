using ComplianceLedger.EventStore;
using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Projections.Rules;

/// <summary>
/// Every active person in a role that must acknowledge the current version has done so within
/// the allowed days. Judged on a day from the facts in effect that day (a dated change counts from
/// its date, not from when it was recorded): a person is active from their start until they leave,
/// and not while on leave; people on leave and not yet started are shown beside coverage, never in
/// it. The deadline runs from the latest of the version's effective date, the start date, the day
/// they took on a role that must acknowledge and their return from leave. An acknowledgement after
/// the deadline is ok, marked late. Declining is never acknowledging: it needs the head's attention.
/// </summary>
public static class AcknowledgementCoverage
{
    public const string Rule = "acknowledgement";

    public static string SubjectId(Guid personId, string policyId) => $"{personId:D}/{policyId}";

    /// <summary>Null when the person owes this version nothing that day (left, not in its audience, version not current).</summary>
    public static Verdict? Evaluate(PersonFacts person, PolicyVersionFacts version, AcknowledgementFacts? latest, DateOnly today)
    {
        if (!version.IsCurrent || person.HasLeft(today) || !person.RolesOn(today).Any(version.Audiences.Contains))
        {
            return null;
        }
        var what = $"{version.Title} {version.VersionLabel}";
        if (!person.HasStarted(today))
        {
            return new Verdict(ComplianceStatus.NotStarted, null, $"starts on {person.StartedOn:yyyy-MM-dd}; {what} is due from then",
                [version.Positions[0], person.LastPosition]);
        }
        if (person.LeaveOn(today) is { } leave)
        {
            var back = leave.Until is { } until ? $"back on {until:yyyy-MM-dd}" : "no return recorded yet";
            return new Verdict(ComplianceStatus.OnLeave, null, $"on leave since {leave.From:yyyy-MM-dd} ({back}); {what} is due after return",
                [version.Positions[0], person.LastPosition]);
        }
        if (latest is { Declined: false })
        {
            var on = SchoolDay.Of(latest.At);
            var lateAfter = DueOn(person, version, on);
            var late = lateAfter is { } due && on > due;
            return new Verdict(ComplianceStatus.Ok, null,
                late ? $"acknowledged {what} on {on:yyyy-MM-dd}, {LateNote(lateAfter!.Value)}" : $"acknowledged {what} on {on:yyyy-MM-dd}",
                [version.Positions[0], latest.Position], late);
        }
        if (latest is { Declined: true })
        {
            return new Verdict(ComplianceStatus.Attention, null, $"declined to acknowledge {what}", [version.Positions[0], latest.Position]);
        }
        return Verdict.Pending(DueOn(person, version, today)!.Value, today, $"{what} not yet acknowledged",
            [version.Positions[0], person.LastPosition]);
    }

    /// <summary>How a late acknowledgement's verdict says when it was due.</summary>
    public static string LateNote(DateOnly due) => $"late (due by {due:yyyy-MM-dd})";

    /// <summary>
    /// The last allowed day as it stood on <paramref name="day"/>: the latest of the version's
    /// effective date, the start date, the day the person took on a role that must acknowledge and
    /// their return from leave, plus the allowed days. Null when nothing was owed that day (not yet
    /// started, on leave, or in no role that must acknowledge).
    /// </summary>
    public static DateOnly? DueOn(PersonFacts person, PolicyVersionFacts version, DateOnly day)
    {
        if (!person.HasStarted(day) || person.IsOnLeave(day) || person.HoldingOneOfSince(version.Audiences.ToHashSet(), day) is not { } inRole)
        {
            return null;
        }
        var clockStarts = Latest(Latest(version.EffectiveFrom, person.StartedOn), Latest(inRole, person.LastReturnBy(day) ?? DateOnly.MinValue));
        return clockStarts.AddDays(version.DaysToAcknowledge);
    }

    static DateOnly Latest(DateOnly a, DateOnly b) => a > b ? a : b;
}
