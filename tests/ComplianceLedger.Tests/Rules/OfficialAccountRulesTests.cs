using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Projections.Rules;

namespace ComplianceLedger.Tests.Rules;

/// <summary>The official-account rules, pure: no database.</summary>
public sealed class OfficialAccountRulesTests
{
    static readonly DateOnly Today = new(2026, 11, 20);
    static readonly Guid OwnerId = Guid.Parse("0190a0b0-0000-7000-8000-0000000000c1");
    static readonly Guid CustodianId = Guid.Parse("0190a0b0-0000-7000-8000-0000000000c2");

    /// <summary>Registered at 10, risk assessed at 11, approved at 12 on 1 October, live at 13 on 2 October.</summary>
    static readonly AccountFacts Compliant = new(Guid.Parse("0190a0b0-0000-7000-8000-0000000000a1"), "facebook", "@ParentsOAK", OwnerId, 10,
        "oak.sch.uk", new DateOnly(2026, 9, 1), 10, "RA-1", new DateOnly(2026, 9, 20), 11, new DateOnly(2026, 10, 1), 12, FirstUsedOn: new DateOnly(2026, 10, 2),
        LivePosition: 13);

    static readonly AccountFacts JustRegistered = Compliant with
    {
        RiskReference = null,
        RiskAssessedOn = null,
        RiskPosition = null,
        ApprovedOn = null,
        ApprovalPosition = null,
        FirstUsedOn = null,
        LivePosition = null,
    };

    static readonly SchoolAccountRules Rules = new(["oak.sch.uk"], "OAK", 2);

    static PersonFacts Person(Guid id, string[] roles, DateOnly? leftOn = null) => new(id, roles, new DateOnly(2020, 9, 1), leftOn, null, null, 5);

    static Dictionary<Guid, PersonFacts> People(params PersonFacts[] people) => people.ToDictionary(p => p.PersonId);

    [Fact]
    public void Approved_before_first_use_is_ok()
    {
        var verdict = OfficialAccountRules.Approval(Compliant);
        Assert.Equal(ComplianceStatus.Ok, verdict.Status);
        Assert.Equal([10L, 12L, 13L], verdict.Proof);
    }

    [Fact]
    public void Awaiting_approval_is_due_and_use_without_or_before_approval_needs_attention()
    {
        Assert.Equal(ComplianceStatus.Due, OfficialAccountRules.Approval(JustRegistered).Status);
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.Approval(JustRegistered with { FirstUsedOn = Today, LivePosition = 13 }).Status);
        var early = OfficialAccountRules.Approval(Compliant with { FirstUsedOn = new DateOnly(2026, 3, 1) });
        Assert.Equal(ComplianceStatus.Attention, early.Status);
        Assert.Contains("before headteacher approval", early.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_risk_assessment_on_record_is_ok_and_its_absence_is_due_then_attention_once_approved_or_live()
    {
        Assert.Equal(ComplianceStatus.Ok, OfficialAccountRules.RiskAssessment(Compliant).Status);
        Assert.Equal(ComplianceStatus.Due, OfficialAccountRules.RiskAssessment(JustRegistered).Status);
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.RiskAssessment(Compliant with { RiskAssessedOn = null, RiskPosition = null }).Status);
    }

    [Fact]
    public void A_school_email_domain_or_subdomain_is_ok_and_any_other_needs_attention()
    {
        Assert.Equal(ComplianceStatus.Ok, OfficialAccountRules.Email(Compliant, Rules)!.Status);
        Assert.Equal(ComplianceStatus.Ok, OfficialAccountRules.Email(Compliant with { EmailDomain = "mail.oak.sch.uk" }, Rules)!.Status);
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.Email(Compliant with { EmailDomain = "gmail.com" }, Rules)!.Status);
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.Email(Compliant with { EmailDomain = "notoak.sch.uk" }, Rules)!.Status);
        Assert.Null(OfficialAccountRules.Email(Compliant, Rules with { EmailDomains = [] }));
    }

    [Fact]
    public void A_handle_carrying_the_tag_is_ok_one_without_needs_attention_and_no_tag_means_no_rule()
    {
        Assert.Equal(ComplianceStatus.Ok, OfficialAccountRules.Tag(Compliant with { Handle = "@historyoak" }, Rules)!.Status);
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.Tag(Compliant with { Handle = "@Parents" }, Rules)!.Status);
        Assert.Null(OfficialAccountRules.Tag(Compliant with { Handle = "@Parents" }, Rules with { HandleTag = null }));
    }

    [Fact]
    public void The_owner_at_the_school_is_ok_until_their_last_day_and_an_owner_who_left_needs_attention()
    {
        Assert.Equal(ComplianceStatus.Ok, OfficialAccountRules.Owner(Compliant, Person(OwnerId, ["teacher"]), Today).Status);
        var leaving = OfficialAccountRules.Owner(Compliant, Person(OwnerId, ["teacher"], new DateOnly(2026, 12, 31)), Today);
        Assert.Equal((ComplianceStatus.Ok, new DateOnly(2026, 12, 30)), (leaving.Status, leaving.DueOn));
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.Owner(Compliant, Person(OwnerId, ["teacher"], Today), Today).Status);
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.Owner(Compliant, null, Today).Status);
    }

    [Fact]
    public void Credentials_with_a_current_leadership_custodian_are_ok()
    {
        CustodianFacts[] custodians = [new(CustodianId, "KeePass: Comms/Facebook", 20)];
        var verdict = OfficialAccountRules.Custody(Compliant, custodians, People(Person(CustodianId, ["slt", "teacher"])), Today);
        Assert.Equal(ComplianceStatus.Ok, verdict.Status);
        Assert.Equal([20L], verdict.Proof);
    }

    [Fact]
    public void A_custodian_who_left_or_lost_their_leadership_role_no_longer_counts()
    {
        CustodianFacts[] custodians = [new(CustodianId, "KeePass: Comms/Facebook", 20)];
        Assert.Equal(ComplianceStatus.Attention,
            OfficialAccountRules.Custody(Compliant, custodians, People(Person(CustodianId, ["slt"], new DateOnly(2026, 11, 1))), Today).Status);
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.Custody(Compliant, custodians, People(Person(CustodianId, ["teacher"])), Today).Status);
        var leavingSoon = OfficialAccountRules.Custody(Compliant, custodians, People(Person(CustodianId, ["dsl"], new DateOnly(2026, 12, 1))), Today);
        Assert.Equal((ComplianceStatus.Ok, new DateOnly(2026, 11, 30)), (leavingSoon.Status, leavingSoon.DueOn));
    }

    [Fact]
    public void A_custodian_whose_leadership_role_ends_on_a_later_date_counts_until_that_date()
    {
        CustodianFacts[] custodians = [new(CustodianId, "KeePass: Comms/Facebook", 20)];
        var moving = Person(CustodianId, ["teacher"]) with
        {
            RoleHistory = [new RoleSpell(new DateOnly(2020, 9, 1), ["slt"]), new RoleSpell(Today.AddDays(30), ["teacher"])],
        };
        Assert.Equal(ComplianceStatus.Ok, OfficialAccountRules.Custody(Compliant, custodians, People(moving), Today).Status);
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.Custody(Compliant, custodians, People(moving), Today.AddDays(30)).Status);
    }

    [Fact]
    public void No_custodian_is_due_before_approval_and_needs_attention_once_approved_or_live()
    {
        Assert.Equal(ComplianceStatus.Due, OfficialAccountRules.Custody(JustRegistered, [], People(), Today).Status);
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.Custody(Compliant, [], People(), Today).Status);
    }

    [Fact]
    public void With_nobody_leaving_or_changing_role_no_rotation_is_needed()
    {
        Assert.Equal(ComplianceStatus.Ok, OfficialAccountRules.Rotation(Compliant, [], [], Today).Status);
        // A scheduled rotation on its own changes nothing.
        Assert.Equal(ComplianceStatus.Ok, OfficialAccountRules.Rotation(Compliant, [], [new(new DateOnly(2026, 10, 1), "scheduled", 30)], Today).Status);
    }

    [Fact]
    public void After_the_owner_leaves_the_credentials_are_due_on_the_day_and_overdue_after_until_rotated()
    {
        RotationTriggerFacts[] left = [new(OwnerId, "owner-left", new DateOnly(2026, 11, 1), 40)];
        var overdue = OfficialAccountRules.Rotation(Compliant, left, [], Today);
        Assert.Equal((ComplianceStatus.Overdue, new DateOnly(2026, 11, 1)), (overdue.Status, overdue.DueOn));
        Assert.Contains("credentials not rotated since the owner left on 2026-11-01", overdue.Detail, StringComparison.Ordinal);
        Assert.Contains(40L, overdue.Proof);
        Assert.Equal(ComplianceStatus.Due, OfficialAccountRules.Rotation(Compliant, left, [], new DateOnly(2026, 11, 1)).Status);

        // A rotation before the leaving does not count; one on or after it does.
        Assert.Equal(ComplianceStatus.Overdue, OfficialAccountRules.Rotation(Compliant, left, [new(new DateOnly(2026, 10, 31), "scheduled", 41)], Today).Status);
        var rotated = OfficialAccountRules.Rotation(Compliant, left, [new(new DateOnly(2026, 11, 1), "owner-left", 42)], Today);
        Assert.Equal(ComplianceStatus.Ok, rotated.Status);
        Assert.Equal([10L, 40L, 42L], rotated.Proof);
    }

    [Fact]
    public void A_custodian_changing_role_or_a_former_holder_leaving_also_needs_a_rotation()
    {
        foreach (var kind in new[] { "custodian-left", "custodian-role-changed", "owner-role-changed", "former-holder-left" })
        {
            RotationTriggerFacts[] trigger = [new(CustodianId, kind, new DateOnly(2026, 11, 10), 50)];
            Assert.Equal(ComplianceStatus.Overdue, OfficialAccountRules.Rotation(Compliant, trigger, [], Today).Status);
        }
        // Two departures: a rotation between them covers only the first.
        RotationTriggerFacts[] two = [new(OwnerId, "owner-left", new DateOnly(2026, 11, 1), 40), new(CustodianId, "custodian-left", new DateOnly(2026, 11, 10), 50)];
        var verdict = OfficialAccountRules.Rotation(Compliant, two, [new(new DateOnly(2026, 11, 2), "owner-left", 45)], Today);
        Assert.Equal((ComplianceStatus.Overdue, new DateOnly(2026, 11, 10)), (verdict.Status, verdict.DueOn));
    }

    [Fact]
    public void Pupil_access_after_approval_and_URL_notification_is_ok_and_the_rule_applies_only_once_pupils_have_access()
    {
        Assert.Null(OfficialAccountRules.PupilAccess(Compliant));
        var inOrder = Compliant with { UrlNotifiedOn = new DateOnly(2026, 10, 2), UrlPosition = 14, PupilAccessOn = new DateOnly(2026, 10, 3), PupilAccessPosition = 15 };
        Assert.Equal(ComplianceStatus.Ok, OfficialAccountRules.PupilAccess(inOrder)!.Status);
    }

    [Fact]
    public void Pupil_access_without_or_before_the_URL_notification_or_before_approval_needs_attention()
    {
        var access = Compliant with { PupilAccessOn = new DateOnly(2026, 10, 3), PupilAccessPosition = 15 };
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.PupilAccess(access)!.Status);
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.PupilAccess(access with { UrlNotifiedOn = new DateOnly(2026, 10, 4), UrlPosition = 16 })!.Status);
        var beforeApproval = access with { UrlNotifiedOn = new DateOnly(2026, 9, 2), UrlPosition = 9, PupilAccessOn = new DateOnly(2026, 9, 3) };
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.PupilAccess(beforeApproval)!.Status);
    }

    [Fact]
    public void An_about_page_linking_to_the_AUP_is_ok_a_missing_link_needs_attention_and_no_check_is_due()
    {
        Assert.Equal(ComplianceStatus.Ok, OfficialAccountRules.Aup(Compliant with { AupCheckedOn = Today, AupLinked = true, AupPosition = 16 }).Status);
        Assert.Equal(ComplianceStatus.Attention, OfficialAccountRules.Aup(Compliant with { AupCheckedOn = Today, AupLinked = false, AupPosition = 16 }).Status);
        Assert.Equal(ComplianceStatus.Due, OfficialAccountRules.Aup(Compliant).Status);
    }

    [Fact]
    public void A_decommissioned_account_is_not_judged_and_an_open_one_gets_a_verdict_per_applicable_rule()
    {
        var people = People(Person(OwnerId, ["teacher"]));
        Assert.Empty(OfficialAccountRules.Evaluate(Compliant with { DecommissionedOn = Today }, Rules, people, [], [], [], Today));
        var rules = OfficialAccountRules.Evaluate(Compliant, Rules, people, [], [], [], Today).Select(v => v.Rule).ToList();
        Assert.Equal(
        [
            OfficialAccountRules.ApprovedBeforeUse, OfficialAccountRules.RiskAssessed, OfficialAccountRules.SchoolEmail, OfficialAccountRules.HandleTag,
            OfficialAccountRules.OwnerCurrent, OfficialAccountRules.CredentialCustody, OfficialAccountRules.CredentialRotation, OfficialAccountRules.AupLink,
        ], rules);
    }
}
