using ComplianceLedger.Api.Credentials;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;

namespace ComplianceLedger.Tests.Credentials;

/// <summary>The official-account and custody decisions, pure: no database.</summary>
public sealed class OfficialAccountDecisionTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
    static readonly Guid Id = Guid.Parse("0190a0b0-0000-7000-8000-0000000000a1");
    static readonly Guid Owner = Guid.Parse("0190a0b0-0000-7000-8000-0000000000b1");
    static readonly Guid Head = Guid.Parse("0190a0b0-0000-7000-8000-0000000000b2");
    static readonly Guid Chair = Guid.Parse("0190a0b0-0000-7000-8000-0000000000b3");
    static readonly School School = new(true, ["oak.sch.uk"], "OAK");

    static Account Fold(params object[] events) => events.Aggregate(Account.Stream.Initial, Account.Evolve);

    static AccountRegistered Registered(Guid? owner = null) =>
        new(Id, Platform.Facebook, "@OakParents", "https://facebook.com/OakParents", "p", "o", owner ?? Owner, "sealed", "oak.sch.uk", [], "person:x", Now);

    static readonly AccountRiskAssessed Assessed = new(Id, "RA-1", new DateOnly(2026, 11, 1), "person:x", Now);

    static AccountApproved ApprovedAt(DateOnly on) => new(Id, Role.Headteacher, null, "person:head", on.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));

    static readonly AccountUrlNotified Notified = new(Id, "https://facebook.com/OakParents", [Head], new DateOnly(2026, 11, 5), "person:x", Now);

    static Person Member(params Role[] roles) => new(true, roles, false, false);

    static CommandRefusedException Refused(Action decide) => Assert.Throws<CommandRefusedException>(decide);

    [Fact]
    public void Going_live_needs_the_heads_approval_first()
    {
        var refused = Refused(() => RecordFirstUse.Decide(Id, new DateOnly(2026, 11, 10), "person:x", Now, Fold(Registered(), Assessed)));
        Assert.Equal(409, refused.Status);

        var live = Assert.IsType<AccountWentLive>(Assert.Single(RecordFirstUse.Decide(Id, new DateOnly(2026, 11, 10), "person:x", Now,
            Fold(Registered(), Assessed, ApprovedAt(new DateOnly(2026, 11, 2))))));
        Assert.Equal(new DateOnly(2026, 11, 10), live.FirstUsedOn);
    }

    [Fact]
    public void Use_that_began_before_the_approval_is_recorded_as_it_happened_for_the_rule_to_flag()
    {
        var events = RecordFirstUse.Decide(Id, new DateOnly(2026, 3, 1), "person:x", Now, Fold(Registered(), Assessed, ApprovedAt(new DateOnly(2026, 11, 2))));
        Assert.Equal(new DateOnly(2026, 3, 1), Assert.IsType<AccountWentLive>(Assert.Single(events)).FirstUsedOn);
    }

    [Fact]
    public void Pupils_get_access_only_after_approval_and_the_URL_notification()
    {
        var on = new DateOnly(2026, 11, 10);
        Assert.Equal(409, Refused(() => GrantPupilAccess.Decide(Id, on, "person:x", Now, Fold(Registered(), Assessed, Notified))).Status);
        Assert.Equal(409, Refused(() => GrantPupilAccess.Decide(Id, on, "person:x", Now, Fold(Registered(), Assessed, ApprovedAt(new DateOnly(2026, 11, 2))))).Status);
        var both = Fold(Registered(), Assessed, ApprovedAt(new DateOnly(2026, 11, 2)), Notified);
        Assert.Equal(409, Refused(() => GrantPupilAccess.Decide(Id, new DateOnly(2026, 11, 4), "person:x", Now, both)).Status);
        Assert.IsType<AccountPupilAccessGranted>(Assert.Single(GrantPupilAccess.Decide(Id, on, "person:x", Now, both)));
    }

    [Fact]
    public void A_custodian_must_currently_hold_a_leadership_role()
    {
        var account = Fold(Registered());
        var empty = Custody.Stream.Initial;
        LodgeCredentials.Command Lodge(Guid who) => new(Id, who, "KeePass: Comms/Facebook", "person:x", Now);

        Assert.Equal(400, Refused(() => LodgeCredentials.Decide(Lodge(Owner), account, Member(Role.Teacher), empty)).Status);
        Assert.Equal(400, Refused(() => LodgeCredentials.Decide(Lodge(Owner), account, Member(Role.Slt) with { Left = true }, empty)).Status);
        Assert.Equal(400, Refused(() => LodgeCredentials.Decide(Lodge(Owner), account, Person.Stream.Initial, empty)).Status);
        foreach (var role in new[] { Role.Headteacher, Role.Dsl, Role.Slt })
        {
            Assert.IsType<CredentialsLodged>(Assert.Single(LodgeCredentials.Decide(Lodge(Head), account, Member(role, Role.Teacher), empty)));
        }
        var lodged = Custody.Evolve(empty, new CredentialsLodged(Id, Head, "v", "person:x", Now));
        Assert.Equal(409, Refused(() => LodgeCredentials.Decide(Lodge(Head), account, Member(Role.Slt), lodged)).Status);
    }

    [Fact]
    public void The_owner_cannot_approve_their_own_account()
    {
        var ownedByHead = Fold(Registered(owner: Head), Assessed);
        var refused = Refused(() => ApproveAccount.Decide(new ApproveAccount.Command(Id, Head, true, false, true, null, "person:head", Now), ownedByHead));
        Assert.Equal(403, refused.Status);
    }

    [Fact]
    public void The_chair_of_governors_approves_the_heads_own_account_and_only_that()
    {
        var ownedByHead = Fold(Registered(owner: Head), Assessed);
        var approved = Assert.IsType<AccountApproved>(Assert.Single(
            ApproveAccount.Decide(new ApproveAccount.Command(Id, Chair, false, true, true, null, "person:chair", Now), ownedByHead)));
        Assert.Equal(Role.ChairOfGovernors, approved.ApprovedAs);

        var ownedByTeacher = Fold(Registered(), Assessed);
        Assert.Equal(403, Refused(() => ApproveAccount.Decide(new ApproveAccount.Command(Id, Chair, false, true, false, null, "person:chair", Now), ownedByTeacher)).Status);
        var byHead = Assert.IsType<AccountApproved>(Assert.Single(
            ApproveAccount.Decide(new ApproveAccount.Command(Id, Head, true, false, false, "second reader", "person:head", Now), ownedByTeacher)));
        Assert.Equal(Role.Headteacher, byHead.ApprovedAs);
    }

    [Fact]
    public void Approval_waits_for_the_risk_assessment_and_happens_once()
    {
        var command = new ApproveAccount.Command(Id, Head, true, false, false, null, "person:head", Now);
        Assert.Equal(409, Refused(() => ApproveAccount.Decide(command, Fold(Registered()))).Status);
        Assert.Equal(409, Refused(() => ApproveAccount.Decide(command, Fold(Registered(), Assessed, ApprovedAt(new DateOnly(2026, 11, 2))))).Status);
        Assert.Equal(404, Refused(() => ApproveAccount.Decide(command, Account.Stream.Initial)).Status);
    }

    [Fact]
    public void A_non_compliant_account_is_recorded_with_what_the_schools_rules_said()
    {
        static RegisterAccount.Command Command(string handle, string domain) =>
            new(Id, Platform.X, handle, $"https://x.com/{handle.TrimStart('@')}", "p", "o", Owner, "sealed", domain, "person:x", Now);

        var flagged = Assert.IsType<AccountRegistered>(Assert.Single(
            RegisterAccount.Decide(Command("@MrsPatel", "gmail.com"), School, Member(Role.Teacher), Account.Stream.Initial)));
        Assert.Equal([RegistrationConcern.PersonalEmail, RegistrationConcern.HandleWithoutTag], flagged.Concerns);

        var clean = Assert.IsType<AccountRegistered>(Assert.Single(
            RegisterAccount.Decide(Command("@HistoryOAK", "mail.oak.sch.uk"), School, Member(Role.Teacher), Account.Stream.Initial)));
        Assert.Empty(clean.Concerns);

        Assert.Equal(400, Refused(() => RegisterAccount.Decide(Command("@HistoryOAK", "oak.sch.uk"), School, Member(Role.Teacher) with { Left = true },
            Account.Stream.Initial)).Status);
    }

    [Fact]
    public void Only_a_custodian_records_break_glass_access_and_only_for_themselves()
    {
        var custody = Custody.Evolve(Custody.Stream.Initial, new CredentialsLodged(Id, Head, "v", "person:x", Now));
        Assert.Equal(403, Refused(() => RecordBreakGlassAccess.Decide(Id, Owner, "sealed", Now, Fold(Registered()), custody)).Status);
        var access = Assert.IsType<CredentialsAccessed>(Assert.Single(RecordBreakGlassAccess.Decide(Id, Head, "sealed", Now, Fold(Registered()), custody)));
        Assert.Equal(Head, access.CustodianId);
        var removed = Custody.Evolve(custody, new CustodianRemoved(Id, Head, CustodianRemovalReason.Reassigned, "person:x", Now));
        Assert.Equal(403, Refused(() => RecordBreakGlassAccess.Decide(Id, Head, "sealed", Now, Fold(Registered()), removed)).Status);
    }

    [Fact]
    public void The_URL_goes_to_leadership_or_a_head_of_department_once()
    {
        var rolesOf = new Dictionary<Guid, IReadOnlySet<Role>?> { [Head] = new HashSet<Role> { Role.Slt }, [Owner] = new HashSet<Role> { Role.Office } };
        Assert.Equal(400, Refused(() => NotifyUrl.Decide(Id, [Owner], rolesOf, new DateOnly(2026, 11, 5), "person:x", Now, Fold(Registered()))).Status);
        Assert.IsType<AccountUrlNotified>(Assert.Single(NotifyUrl.Decide(Id, [Head], rolesOf, new DateOnly(2026, 11, 5), "person:x", Now, Fold(Registered()))));
        Assert.Equal(409, Refused(() => NotifyUrl.Decide(Id, [Head], rolesOf, new DateOnly(2026, 11, 6), "person:x", Now, Fold(Registered(), Notified))).Status);
    }

    [Fact]
    public void Suspended_and_decommissioned_accounts_refuse_what_no_longer_applies()
    {
        var suspended = Fold(Registered(), Assessed, ApprovedAt(new DateOnly(2026, 11, 2)), new AccountSuspended(Id, SuspensionReason.Misuse, null,
            new DateOnly(2026, 11, 3), "person:x", Now));
        Assert.Equal(409, Refused(() => RecordFirstUse.Decide(Id, new DateOnly(2026, 11, 4), "person:x", Now, suspended)).Status);
        Assert.IsType<AccountReinstated>(Assert.Single(ReinstateAccount.Decide(Id, new DateOnly(2026, 11, 5), "person:x", Now, suspended)));

        var closed = Fold(Registered(), new AccountDecommissioned(Id, new DateOnly(2026, 11, 3), "person:x", Now));
        Assert.Equal(409, Refused(() => DecommissionAccount.Decide(Id, new DateOnly(2026, 11, 4), "person:x", Now, closed)).Status);
        Assert.Equal(409, Refused(() => ChangeOwner.Decide(Id, Head, Member(Role.Slt), new DateOnly(2026, 11, 4), "person:x", Now, closed)).Status);
    }

    [Fact]
    public void A_shared_official_login_names_its_account()
    {
        var command = new ReportCredentialSharing.Command(Id, Head, null, Owner, SharedCredential.OfficialAccountLogin, SharingChannel.MessagingApp,
            new DateOnly(2026, 11, 1), null, "person:x", Now);
        Assert.Equal(400, Refused(() => ReportCredentialSharing.Decide(command, Member(Role.Slt), Member(Role.Teacher), null, SharingReport.Stream.Initial)).Status);
        var reported = ReportCredentialSharing.Decide(command with { AccountId = Id }, Member(Role.Slt), Member(Role.Teacher), Fold(Registered()),
            SharingReport.Stream.Initial);
        Assert.IsType<CredentialSharingReported>(Assert.Single(reported));
    }
}
