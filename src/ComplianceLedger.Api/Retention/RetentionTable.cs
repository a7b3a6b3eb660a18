namespace ComplianceLedger.Api.Retention;

/// <summary>
/// One line of the retention table: what is kept, for how many years after which trigger, and
/// where that period comes from (docs/retention.md).
/// </summary>
public sealed record RetentionRule(string Id, string Records, int Years, string Trigger, string Source)
{
    /// <summary>What a shredded key's <c>shredded_by</c> and the erasure event say: <c>retention:leaver-6y</c>.</summary>
    public string Name => $"{Id}-{Years}y";

    public DateOnly DueFrom(DateOnly trigger) => trigger.AddYears(Years);
}

/// <summary>
/// The table in force for a school: the defaults below (from the IRMS Information Management
/// Toolkit for Schools), with a trust's own periods where its configuration gives them
/// (<c>Ledger:Retention:Trusts:{trust}:{rule}:Years</c> and <c>:Source</c>, the trust's reason).
/// </summary>
public sealed record RetentionTable(string? TrustId, IReadOnlyList<RetentionRule> Rules)
{
    public const string Leaver = "leaver";
    public const string Governor = "governor";
    public const string Declaration = "declaration";
    public const string Incident = "incident";
    public const string VaultReference = "vault-reference";

    const string Toolkit = "IRMS Information Management Toolkit for Schools";

    public static readonly RetentionTable Defaults = new(null, [
        new(Leaver, "A person's name and sign-in email, and so their acknowledgements and everything else recorded about them", 6,
            "the day they left",
            $"{Toolkit}, Human Resources: staff personal file, \"termination of employment + 6 years\""),
        new(Governor, "A governor's or chair's name and records", 6,
            "the day they left (their appointment ended)",
            $"{Toolkit}, Governance: governors' appointment records and register of business interests, \"date appointment ends + 6 years\""),
        new(Declaration, "Declared relationships and exception requests: descriptions, advice, conditions, reasons", 6,
            "the day the relationship ended: declined, withdrawn, revoked or lapsed, or the day the person left if sooner",
            $"{Toolkit}, Human Resources: staff records kept \"+ 6 years\" after the matter ends (as the staff personal file)"),
        new(Incident, "A reported breach (a shared login) naming the person who shared it", 10,
            "the day of the incident",
            $"{Toolkit}, Safeguarding: allegations against a member of staff, \"normal pension age or 10 years from the date of the allegation, whichever is longer\" (10 years: the ledger does not hold ages)"),
        new(VaultReference, "Where an official account's login was kept (vault references)", 1,
            "the day the account was decommissioned",
            "No IRMS entry (a login is not a record series). ComplianceLedger's choice: a reference is needed only while the account might be recovered"),
    ]);

    public RetentionRule this[string id] => Rules.First(r => r.Id == id);

    /// <summary>The table for a trust: the defaults, with the periods and reasons its configuration overrides.</summary>
    public static RetentionTable For(string? trustId, IConfiguration configuration)
    {
        if (trustId is null)
        {
            return Defaults;
        }
        var section = configuration.GetSection($"Ledger:Retention:Trusts:{trustId}");
        return new RetentionTable(trustId, [.. Defaults.Rules.Select(rule =>
            section.GetValue<int?>($"{rule.Id}:Years") is { } years and > 0
                ? rule with { Years = years, Source = section[$"{rule.Id}:Source"] is { Length: > 0 } why ? $"Trust override: {why}" : "Trust override (no reason given)" }
                : rule)]);
    }

    /// <summary>Whether a rule's period is the trust's own rather than the default.</summary>
    public bool Overrides(RetentionRule rule) => Defaults[rule.Id] != rule;
}
