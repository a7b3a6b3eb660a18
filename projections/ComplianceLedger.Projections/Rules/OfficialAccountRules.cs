using ComplianceLedger.Projections.ReadModels;

namespace ComplianceLedger.Projections.Rules;

/// <summary>
/// The "Official accounts" rules of the dashboard, one verdict per account and rule. Pure: the
/// projection hands in the facts. A null verdict means the rule does not apply (no tag required,
/// pupils have no access). Decommissioned accounts are not judged.
/// </summary>
public static class OfficialAccountRules
{
    public const string ApprovedBeforeUse = "account-approved-before-use";
    public const string RiskAssessed = "account-risk-assessed";
    public const string SchoolEmail = "account-school-email";
    public const string HandleTag = "account-handle-tag";
    public const string OwnerCurrent = "account-owner-current";
    public const string CredentialCustody = "account-credential-custody";
    public const string CredentialRotation = "account-credential-rotation";
    public const string UrlBeforePupilAccess = "account-url-before-pupil-access";
    public const string AupLink = "account-aup-link";

    /// <summary>Roles that may hold an account's credentials for the school.</summary>
    public static readonly IReadOnlySet<string> LeadershipRoles = new HashSet<string>(StringComparer.Ordinal) { "headteacher", "dsl", "slt" };

    /// <summary>Every rule's verdict on one account.</summary>
    public static IEnumerable<(string Rule, Verdict Verdict)> Evaluate(
        AccountFacts account, SchoolAccountRules school, IReadOnlyDictionary<Guid, PersonFacts> people,
        IReadOnlyList<CustodianFacts> custodians, IReadOnlyList<RotationTriggerFacts> triggers, IReadOnlyList<RotationFacts> rotations,
        DateOnly today)
    {
        if (account.Decommissioned)
        {
            yield break;
        }
        (string, Verdict?)[] all =
        [
            (ApprovedBeforeUse, Approval(account)),
            (RiskAssessed, RiskAssessment(account)),
            (SchoolEmail, Email(account, school)),
            (HandleTag, Tag(account, school)),
            (OwnerCurrent, Owner(account, people.GetValueOrDefault(account.OwnerId), today)),
            (CredentialCustody, Custody(account, custodians, people, today)),
            (CredentialRotation, Rotation(account, triggers, rotations, today)),
            (UrlBeforePupilAccess, PupilAccess(account)),
            (AupLink, Aup(account)),
        ];
        foreach (var (rule, verdict) in all)
        {
            if (verdict is not null)
            {
                yield return (rule, verdict);
            }
        }
    }

    /// <summary>The headteacher approves an account before anyone uses it.</summary>
    public static Verdict Approval(AccountFacts a)
    {
        if (!a.Approved)
        {
            return a.Live
                ? new Verdict(ComplianceStatus.Attention, null, $"in use since {a.FirstUsedOn:yyyy-MM-dd} without headteacher approval",
                    Proof(a.RegisteredPosition, a.LivePosition))
                : new Verdict(ComplianceStatus.Due, null, "awaiting headteacher approval; not to be used until approved", [a.RegisteredPosition]);
        }
        if (a.FirstUsedOn < a.ApprovedOn)
        {
            return new Verdict(ComplianceStatus.Attention, null,
                $"used from {a.FirstUsedOn:yyyy-MM-dd}, before headteacher approval on {a.ApprovedOn:yyyy-MM-dd}",
                Proof(a.RegisteredPosition, a.ApprovalPosition, a.LivePosition));
        }
        return new Verdict(ComplianceStatus.Ok, null, $"approved on {a.ApprovedOn:yyyy-MM-dd}" + (a.Live ? $"; first used {a.FirstUsedOn:yyyy-MM-dd}" : ""),
            Proof(a.RegisteredPosition, a.ApprovalPosition, a.LivePosition));
    }

    /// <summary>A risk assessment is on record; once approved or in use without one, it needs attention.</summary>
    public static Verdict RiskAssessment(AccountFacts a) => a.RiskAssessedOn is { } on
        ? new Verdict(ComplianceStatus.Ok, null, $"risk assessed on {on:yyyy-MM-dd} ({a.RiskReference})", Proof(a.RegisteredPosition, a.RiskPosition))
        : a.Approved || a.Live
            ? new Verdict(ComplianceStatus.Attention, null, "approved or in use with no risk assessment on record", Proof(a.RegisteredPosition, a.ApprovalPosition, a.LivePosition))
            : new Verdict(ComplianceStatus.Due, null, "risk assessment not yet recorded", [a.RegisteredPosition]);

    /// <summary>Registered with an address at one of the school's email domains (or a subdomain of one).</summary>
    public static Verdict? Email(AccountFacts a, SchoolAccountRules school)
    {
        if (school.EmailDomains.Count == 0)
        {
            return null;
        }
        return IsSchoolEmailDomain(a.EmailDomain, school.EmailDomains)
            ? new Verdict(ComplianceStatus.Ok, null, $"registered with a school email address (@{a.EmailDomain})", [a.RegisteredPosition, school.Position])
            : new Verdict(ComplianceStatus.Attention, null,
                $"registered with a personal or non-school email address (@{a.EmailDomain}); the school's domains are {string.Join(", ", school.EmailDomains)}",
                [a.RegisteredPosition, school.Position]);
    }

    /// <summary>The handle carries the school's tag, where the school requires one.</summary>
    public static Verdict? Tag(AccountFacts a, SchoolAccountRules school)
    {
        if (school.HandleTag is not { } tag)
        {
            return null;
        }
        return CarriesTag(a.Handle, tag)
            ? new Verdict(ComplianceStatus.Ok, null, $"handle {a.Handle} carries the school's tag {tag}", [a.RegisteredPosition, school.Position])
            : new Verdict(ComplianceStatus.Attention, null, $"handle {a.Handle} does not carry the school's tag {tag}", [a.RegisteredPosition, school.Position]);
    }

    /// <summary>The owner is still at the school. A known leaving date makes it overdue after the last day.</summary>
    public static Verdict Owner(AccountFacts a, PersonFacts? owner, DateOnly today)
    {
        if (owner is null)
        {
            return new Verdict(ComplianceStatus.Attention, null, "the owner is not enrolled at the school; assign a new owner", [a.OwnerPosition]);
        }
        if (owner.HasLeft(today))
        {
            return new Verdict(ComplianceStatus.Attention, null, $"the owner left on {owner.LeftOn:yyyy-MM-dd}; assign a new owner",
                [a.OwnerPosition, owner.LastPosition]);
        }
        return owner.LeftOn is { } leaving
            ? new Verdict(ComplianceStatus.Ok, leaving.AddDays(-1), $"owned by a current member of staff, leaving on {leaving:yyyy-MM-dd}", [a.OwnerPosition, owner.LastPosition])
            : new Verdict(ComplianceStatus.Ok, null, "owned by a current member of staff", [a.OwnerPosition]);
    }

    /// <summary>
    /// Credentials are lodged with at least one current leadership custodian. A custodian who
    /// left or no longer holds a leadership role no longer counts.
    /// </summary>
    public static Verdict Custody(AccountFacts a, IReadOnlyList<CustodianFacts> custodians, IReadOnlyDictionary<Guid, PersonFacts> people, DateOnly today)
    {
        var valid = custodians
            .Select(c => (Custodian: c, Person: people.GetValueOrDefault(c.PersonId)))
            .Where(x => x.Person is { } p && !p.HasLeft(today) && p.RolesOn(today).Any(LeadershipRoles.Contains))
            .ToList();
        if (valid.Count > 0)
        {
            // When every valid custodian has a known leaving date, cover ends after the last of them.
            var lastDay = valid.All(x => x.Person!.LeftOn is not null) ? valid.Max(x => x.Person!.LeftOn)!.Value.AddDays(-1) : (DateOnly?)null;
            return new Verdict(ComplianceStatus.Ok, lastDay,
                $"credentials lodged with {valid.Count} current leadership custodian{(valid.Count == 1 ? "" : "s")}",
                [.. valid.Select(x => x.Custodian.LodgedPosition).Order()]);
        }
        if (custodians.Count > 0)
        {
            return new Verdict(ComplianceStatus.Attention, null,
                "no current leadership custodian: every custodian has left or no longer holds a leadership role",
                [.. custodians.Select(c => c.LodgedPosition)
                    .Concat(custodians.Select(c => people.GetValueOrDefault(c.PersonId)?.LastPosition ?? 0).Where(p => p > 0)).Distinct().Order()]);
        }
        return a.Approved || a.Live
            ? new Verdict(ComplianceStatus.Attention, null, "credentials not lodged with leadership", Proof(a.RegisteredPosition, a.ApprovalPosition, a.LivePosition))
            : new Verdict(ComplianceStatus.Due, null, "credentials not yet lodged with leadership", [a.RegisteredPosition]);
    }

    /// <summary>
    /// After the owner or a custodian (or a former one who may still know the credentials) leaves
    /// or changes role, the credentials are rotated on or after that day. Due on the day, overdue after.
    /// </summary>
    public static Verdict Rotation(AccountFacts a, IReadOnlyList<RotationTriggerFacts> triggers, IReadOnlyList<RotationFacts> rotations, DateOnly today)
    {
        var open = triggers.Where(t => !rotations.Any(r => r.RotatedOn >= t.On)).OrderBy(t => t.On).ThenBy(t => t.Position).ToList();
        if (open.Count > 0)
        {
            var first = open[0];
            return Verdict.Pending(first.On, today, $"credentials not rotated since {Describe(first.Kind)} on {first.On:yyyy-MM-dd}",
                [a.RegisteredPosition, .. open.Select(t => t.Position)]);
        }
        if (triggers.Count == 0)
        {
            return new Verdict(ComplianceStatus.Ok, null, "no owner or custodian has left or changed role", [a.RegisteredPosition]);
        }
        var last = triggers.OrderBy(t => t.On).ThenBy(t => t.Position).Last();
        var rotation = rotations.Where(r => r.RotatedOn >= last.On).OrderBy(r => r.RotatedOn).ThenBy(r => r.Position).First();
        return new Verdict(ComplianceStatus.Ok, null,
            $"credentials rotated on {rotation.RotatedOn:yyyy-MM-dd} after {Describe(last.Kind)} on {last.On:yyyy-MM-dd}",
            [a.RegisteredPosition, last.Position, rotation.Position]);
    }

    /// <summary>Pupils get access only after approval and after the URL went to SLT or the head of department.</summary>
    public static Verdict? PupilAccess(AccountFacts a)
    {
        if (a.PupilAccessOn is not { } access)
        {
            return null;
        }
        var proof = Proof(a.RegisteredPosition, a.ApprovalPosition, a.UrlPosition, a.PupilAccessPosition);
        if (a.UrlNotifiedOn is not { } notified)
        {
            return new Verdict(ComplianceStatus.Attention, null, $"pupils have had access since {access:yyyy-MM-dd} but the URL was never notified to SLT or the head of department", proof);
        }
        if (notified > access)
        {
            return new Verdict(ComplianceStatus.Attention, null, $"pupils had access from {access:yyyy-MM-dd}, before the URL was notified on {notified:yyyy-MM-dd}", proof);
        }
        if (a.ApprovedOn is not { } approved || approved > access)
        {
            return new Verdict(ComplianceStatus.Attention, null, $"pupils had access from {access:yyyy-MM-dd}, before headteacher approval", proof);
        }
        return new Verdict(ComplianceStatus.Ok, null, $"URL notified on {notified:yyyy-MM-dd}, before pupil access on {access:yyyy-MM-dd}", proof);
    }

    /// <summary>The account's About page links to the school's acceptable use policy.</summary>
    public static Verdict Aup(AccountFacts a) => a.AupLinked switch
    {
        true => new Verdict(ComplianceStatus.Ok, null, $"About page links to the AUP (checked {a.AupCheckedOn:yyyy-MM-dd})", Proof(a.RegisteredPosition, a.AupPosition)),
        false => new Verdict(ComplianceStatus.Attention, null, $"About page did not link to the AUP when checked on {a.AupCheckedOn:yyyy-MM-dd}", Proof(a.RegisteredPosition, a.AupPosition)),
        null => new Verdict(ComplianceStatus.Due, null, "About page link to the AUP not yet checked", [a.RegisteredPosition]),
    };

    /// <summary>True when the domain is one of the school's, or a subdomain of one (mail.school.sch.uk).</summary>
    public static bool IsSchoolEmailDomain(string domain, IEnumerable<string> schoolDomains) =>
        schoolDomains.Any(d => string.Equals(domain, d, StringComparison.OrdinalIgnoreCase)
            || domain.EndsWith("." + d, StringComparison.OrdinalIgnoreCase));

    /// <summary>The handle contains the school's tag, in any case (e.g. @HistoryIHS carries IHS).</summary>
    public static bool CarriesTag(string handle, string tag) => handle.Contains(tag, StringComparison.OrdinalIgnoreCase);

    static string Describe(string kind) => kind switch
    {
        "owner-left" => "the owner left",
        "owner-role-changed" => "the owner changed role",
        "custodian-left" => "a custodian left",
        "custodian-role-changed" => "a custodian changed role",
        _ => "a former owner or custodian left",
    };

    static long[] Proof(params long?[] positions) => [.. positions.OfType<long>().Distinct().Order()];
}
