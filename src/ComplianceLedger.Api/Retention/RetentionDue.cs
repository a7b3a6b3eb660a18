namespace ComplianceLedger.Api.Retention;

/// <summary>A declaration or exception request held by the person, as far as retention cares.</summary>
/// <param name="ClosedOn">Declined, withdrawn, revoked or lapsed on; null while pending or approved.</param>
/// <param name="ApprovedUntil">An approval's review or expiry date while it stands.</param>
public sealed record HeldItem(Guid ItemId, bool IsDeclaration, DateOnly? ClosedOn, DateOnly? ApprovedUntil);

/// <summary>What retention knows about one subject key: a person, or one vault reference of an account.</summary>
public abstract record SubjectFacts(Guid Subject);

/// <param name="LeftOn">The day they leave or left (null: no leaving recorded).</param>
/// <param name="WasGovernor">Held governor or chair of governors at any time.</param>
/// <param name="Incidents">Days of reported breaches naming them as the one who shared (or reporter when unknown).</param>
public sealed record PersonFacts(
    Guid PersonId, DateOnly? LeftOn, bool WasGovernor, bool HasAcknowledgements, IReadOnlyList<HeldItem> Items, IReadOnlyList<DateOnly> Incidents)
    : SubjectFacts(PersonId);

public sealed record VaultReferenceFacts(Guid ReferenceSubject, Guid AccountId, DateOnly? DecommissionedOn) : SubjectFacts(ReferenceSubject);

/// <summary>Whether a subject's key is due to be shredded, under which rule, from which day; and what it sealed.</summary>
public sealed record RetentionVerdict(bool Due, RetentionRule? Rule, DateOnly? On, IReadOnlyList<string> Records, string Why);

/// <summary>
/// The retention rule as a pure function. One key seals all of a person's data, so a person's key
/// falls due only when every rule covering their records has passed: the latest of the dates, and
/// that rule is the one named. A current person (no leaving, or leaving in the future) and an
/// approval still running are never due.
/// </summary>
public static class RetentionDue
{
    public static RetentionVerdict Due(SubjectFacts facts, RetentionTable table, DateOnly today) => facts switch
    {
        PersonFacts person => Person(person, table, today),
        VaultReferenceFacts reference => Reference(reference, table, today),
        _ => throw new ArgumentOutOfRangeException(nameof(facts)),
    };

    static RetentionVerdict Person(PersonFacts p, RetentionTable table, DateOnly today)
    {
        var records = RecordsOf(p);
        if (p.LeftOn is not { } left || left > today)
        {
            return new(false, null, null, records, "a current member of the school");
        }
        var dates = new List<(RetentionRule Rule, DateOnly On)> { (table[RetentionTable.Leaver], table[RetentionTable.Leaver].DueFrom(left)) };
        if (p.WasGovernor)
        {
            dates.Add((table[RetentionTable.Governor], table[RetentionTable.Governor].DueFrom(left)));
        }
        var declaration = table[RetentionTable.Declaration];
        foreach (var item in p.Items)
        {
            // A decision still standing runs to its date; otherwise the relationship ended when it was closed or the person left.
            var ended = item.ClosedOn is { } closed ? (closed < left ? closed : left)
                : item.ApprovedUntil is { } until ? Later(until.AddDays(1), left)
                : left;
            if (item.ClosedOn is null && item.ApprovedUntil is { } running && running >= today)
            {
                return new(false, null, null, records, "an approval that still runs");
            }
            dates.Add((declaration, declaration.DueFrom(ended)));
        }
        var incident = table[RetentionTable.Incident];
        dates.AddRange(p.Incidents.Select(day => (incident, incident.DueFrom(day))));
        // The latest date wins; on a tie, the rule listed first in the table.
        var order = table.Rules.Select(r => r.Id).ToList();
        var (rule, on) = dates.OrderByDescending(d => d.On).ThenBy(d => order.IndexOf(d.Rule.Id)).First();
        return new(on <= today, rule, on, records, on <= today ? "every rule covering the records has passed" : "kept until the latest rule passes");
    }

    static RetentionVerdict Reference(VaultReferenceFacts r, RetentionTable table, DateOnly today)
    {
        string[] records = ["vault reference"];
        if (r.DecommissionedOn is not { } decommissioned)
        {
            return new(false, null, null, records, "the account is not decommissioned");
        }
        var rule = table[RetentionTable.VaultReference];
        var on = rule.DueFrom(decommissioned);
        return new(on <= today, rule, on, records, on <= today ? "the account was decommissioned long enough ago" : "kept until the rule passes");
    }

    /// <summary>What erasing a person's key erases, as the event and the office page name it.</summary>
    static List<string> RecordsOf(PersonFacts p)
    {
        var records = new List<string> { "name", "sign-in email" };
        if (p.HasAcknowledgements)
        {
            records.Add("acknowledgements (the name on them)");
        }
        if (p.Items.Any(i => i.IsDeclaration))
        {
            records.Add("declarations");
        }
        if (p.Items.Any(i => !i.IsDeclaration))
        {
            records.Add("exception requests");
        }
        if (p.Incidents.Count > 0)
        {
            records.Add("reported incidents");
        }
        return records;
    }

    static DateOnly Later(DateOnly a, DateOnly b) => a > b ? a : b;
}
