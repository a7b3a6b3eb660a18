using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;

namespace ComplianceLedger.Tests.Exceptions;

/// <summary>The decision flow and its segregation of duties, pure: no database.</summary>
public sealed class ExceptionDecisionTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);
    const int Max = 365;

    static readonly Guid Teacher = Guid.Parse("0190a0b0-0000-7000-8000-000000000001");
    static readonly Guid Head = Guid.Parse("0190a0b0-0000-7000-8000-000000000002");
    static readonly Guid Chair = Guid.Parse("0190a0b0-0000-7000-8000-000000000003");
    static readonly Guid Dsl = Guid.Parse("0190a0b0-0000-7000-8000-000000000004");
    static readonly Guid Item = Guid.Parse("0190a0b0-0000-7000-8000-0000000000aa");

    static readonly IReadOnlySet<Guid> Heads = new HashSet<Guid> { Head };
    static readonly Decider TheHead = new(Head, new HashSet<Role> { Role.Headteacher }, Heads);
    static readonly Decider TheChair = new(Chair, new HashSet<Role> { Role.ChairOfGovernors }, Heads);
    static readonly Decider TheDsl = new(Dsl, new HashSet<Role> { Role.Dsl }, Heads);

    static ExceptionCase Fold(params object[] events) => events.Aggregate(ExceptionCase.Declarations.Initial, ExceptionCase.Evolve);

    static RelationshipDeclared Declared(Guid? by = null) =>
        new(Item, by ?? Teacher, RelationshipKind.PupilFamily, "pd1:sealed", EntryOf.Pupil, Today, "person:x", Now.AddDays(-10));

    static ExceptionRequested Requested(Guid? by = null, ExceptionKind kind = ExceptionKind.PersonalContact, string? reference = null) =>
        new(Item, by ?? Teacher, kind, "pd1:sealed", reference, "person:x", Now.AddDays(-10));

    static DslAdviceRecorded Advice => new(Item, Teacher, "pd1:advice", $"person:{Dsl:D}", Now.AddDays(-9));

    static ExceptionApproved Approval(DateOnly until) => new(Item, Teacher, "pd1:conditions", until, null, $"person:{Head:D}", Role.Headteacher, Now.AddDays(-8));

    static ApproveRequest.Command Approve(Decider by, int days = 30, string? reference = null) =>
        new(Item, "pd1:conditions", Today.AddDays(days), reference, by, Now);

    static int Refused(Action decide) => Assert.Throws<CommandRefusedException>(decide).Status;

    [Fact]
    public void A_declaration_opens_pending_and_awaits_the_DSL()
    {
        var state = Fold(Declared());
        Assert.Equal(CaseStatus.Pending, state.Status);
        Assert.True(state.IsDeclaration);
        Assert.False(state.DslConsulted);
        Assert.Equal(Teacher, state.Holder);
        Assert.Equal("pupil-family", state.Kind);
    }

    [Fact]
    public void No_decision_on_a_declaration_without_a_recorded_DSL_consultation()
    {
        Assert.Equal(409, Refused(() => ApproveRequest.Decide(Approve(TheHead), Fold(Declared()), Max)));
        Assert.Equal(409, Refused(() => DeclineRequest.Decide(new(Item, "pd1:r", TheHead, Now), Fold(Declared()))));

        var approved = Assert.IsType<ExceptionApproved>(Assert.Single(ApproveRequest.Decide(Approve(TheHead), Fold(Declared(), Advice), Max)));
        Assert.Equal(Role.Headteacher, approved.DecidedAs);
        Assert.Equal($"person:{Head:D}", approved.DecidedBy);
        Assert.Equal(Teacher, approved.PersonId);
    }

    [Fact]
    public void An_exception_request_needs_no_DSL_consultation() =>
        Assert.Single(ApproveRequest.Decide(Approve(TheHead), Fold(Requested()), Max));

    [Fact]
    public void The_DSL_advises_on_others_but_not_on_their_own_declaration()
    {
        Assert.Single(RecordDslAdvice.Decide(new(Item, Dsl, "pd1:a", $"person:{Dsl:D}", Now), Fold(Declared())));
        Assert.Equal(403, Refused(() => RecordDslAdvice.Decide(new(Item, Dsl, "pd1:a", $"person:{Dsl:D}", Now), Fold(Declared(by: Dsl)))));
        Assert.Equal(409, Refused(() => RecordDslAdvice.Decide(new(Item, Dsl, "pd1:a", "p", Now), Fold(Declared(), Advice, Approval(Today.AddDays(5))))));
    }

    [Fact]
    public void Nobody_decides_their_own_request()
    {
        var ownByHead = Fold(Requested(by: Head));
        Assert.Equal(403, Refused(() => ApproveRequest.Decide(Approve(TheHead), ownByHead, Max)));
        Assert.Equal(403, Refused(() => DeclineRequest.Decide(new(Item, "pd1:r", TheHead, Now), ownByHead)));
        var ownByChair = Fold(Requested(by: Chair));
        Assert.Equal(403, Refused(() => ApproveRequest.Decide(Approve(TheChair), ownByChair, Max)));
    }

    [Fact]
    public void The_heads_own_request_is_decided_by_the_chair_of_governors()
    {
        var approved = Assert.IsType<ExceptionApproved>(Assert.Single(ApproveRequest.Decide(Approve(TheChair), Fold(Requested(by: Head)), Max)));
        Assert.Equal(Role.ChairOfGovernors, approved.DecidedAs);
        Assert.Equal($"person:{Chair:D}", approved.DecidedBy);
    }

    [Fact]
    public void The_chair_decides_no_one_elses_and_other_roles_decide_nothing()
    {
        Assert.Equal(403, Refused(() => ApproveRequest.Decide(Approve(TheChair), Fold(Requested()), Max)));
        Assert.Equal(403, Refused(() => ApproveRequest.Decide(Approve(TheDsl), Fold(Requested()), Max)));
        Assert.Equal(403, Refused(() => ApproveRequest.Decide(Approve(TheDsl), Fold(Requested(by: Head)), Max)));
    }

    [Fact]
    public void An_approval_runs_at_most_the_policys_maximum_duration()
    {
        Assert.Single(ApproveRequest.Decide(Approve(TheHead, days: Max), Fold(Requested()), Max));
        var beyond = Assert.Throws<CommandRefusedException>(() => ApproveRequest.Decide(Approve(TheHead, days: Max + 1), Fold(Requested()), Max));
        Assert.Equal(400, beyond.Status);
        Assert.Contains("365 days", beyond.Message, StringComparison.Ordinal);
        Assert.Equal(400, Refused(() => ApproveRequest.Decide(Approve(TheHead, days: 0), Fold(Requested()), Max)));
        Assert.Equal(409, Refused(() => ApproveRequest.Decide(Approve(TheHead), Fold(Requested()), null)));
    }

    [Fact]
    public void A_remote_learning_platform_needs_a_risk_assessment_before_approval()
    {
        var unassessed = Fold(Requested(kind: ExceptionKind.RemoteLearningPlatform));
        Assert.Equal(400, Refused(() => ApproveRequest.Decide(Approve(TheHead), unassessed, Max)));
        Assert.Single(ApproveRequest.Decide(Approve(TheHead, reference: "RA-7"), unassessed, Max));
        Assert.Single(ApproveRequest.Decide(Approve(TheHead), Fold(Requested(kind: ExceptionKind.RemoteLearningPlatform, reference: "RA-7")), Max));
    }

    [Fact]
    public void Only_a_pending_item_is_approved_or_declined_once()
    {
        var approved = Fold(Requested(), Approval(Today.AddDays(10)));
        Assert.Equal(409, Refused(() => ApproveRequest.Decide(Approve(TheHead), approved, Max)));
        Assert.Equal(409, Refused(() => DeclineRequest.Decide(new(Item, "pd1:r", TheHead, Now), approved)));
        Assert.Equal(404, Refused(() => ApproveRequest.Decide(Approve(TheHead), ExceptionCase.Requests.Initial, Max)));
    }

    [Fact]
    public void A_revoked_or_lapsed_relationship_may_be_decided_afresh_but_a_request_may_not()
    {
        var revoked = new ExceptionRevoked(Item, Teacher, "pd1:r", $"person:{Head:D}", Role.Headteacher, Now.AddDays(-1));
        Assert.Single(ApproveRequest.Decide(Approve(TheHead), Fold(Declared(), Advice, Approval(Today.AddDays(5)), revoked), Max));
        Assert.Equal(409, Refused(() => ApproveRequest.Decide(Approve(TheHead), Fold(Requested(), Approval(Today.AddDays(5)), revoked), Max)));
    }

    [Fact]
    public void The_holder_withdraws_and_no_one_else()
    {
        var declared = Fold(Declared());
        Assert.IsType<ExceptionWithdrawn>(Assert.Single(WithdrawRequest.Decide(new(Item, Teacher, "pd1:r", "p", Now), declared)));
        Assert.Equal(403, Refused(() => WithdrawRequest.Decide(new(Item, Head, "pd1:r", "p", Now), declared)));

        var withdrawn = Fold(Declared(), new ExceptionWithdrawn(Item, Teacher, "pd1:r", "p", Now));
        Assert.Equal(409, Refused(() => WithdrawRequest.Decide(new(Item, Teacher, "pd1:r", "p", Now), withdrawn)));
        var declinedRequest = Fold(Requested(), new ExceptionDeclined(Item, Teacher, "pd1:r", "p", Role.Headteacher, Now));
        Assert.Equal(409, Refused(() => WithdrawRequest.Decide(new(Item, Teacher, "pd1:r", "p", Now), declinedRequest)));
    }

    [Fact]
    public void A_review_moves_a_relationships_review_date_within_the_maximum()
    {
        var approved = Fold(Declared(), Advice, Approval(Today.AddDays(3)));
        var reviewed = Assert.IsType<ExceptionReviewed>(Assert.Single(
            ReviewDeclaration.Decide(new(Item, Today.AddDays(200), null, TheHead, Now), approved, Max)));
        Assert.Equal(Today.AddDays(200), ExceptionCase.Evolve(approved, reviewed).Until);
        Assert.Equal(400, Refused(() => ReviewDeclaration.Decide(new(Item, Today.AddDays(Max + 1), null, TheHead, Now), approved, Max)));
        Assert.Equal(403, Refused(() => ReviewDeclaration.Decide(new(Item, Today.AddDays(20), null, TheChair, Now), approved, Max)));
        Assert.Equal(409, Refused(() => ReviewDeclaration.Decide(new(Item, Today.AddDays(20), null, TheHead, Now),
            Fold(Requested(), Approval(Today.AddDays(3))), Max)));
    }

    [Fact]
    public void Revoking_needs_an_approval_and_the_right_decider()
    {
        var approved = Fold(Declared(), Advice, Approval(Today.AddDays(3)));
        Assert.IsType<ExceptionRevoked>(Assert.Single(RevokeApproval.Decide(new(Item, "pd1:r", TheHead, Now), approved)));
        Assert.Equal(403, Refused(() => RevokeApproval.Decide(new(Item, "pd1:r", TheChair, Now), approved)));
        Assert.Equal(409, Refused(() => RevokeApproval.Decide(new(Item, "pd1:r", TheHead, Now), Fold(Declared(), Advice))));
    }

    [Fact]
    public void Expiry_is_recorded_only_once_the_date_has_passed()
    {
        var current = Fold(Requested(), Approval(Today));
        Assert.Equal(409, Refused(() => RecordExpiry.Decide(new(Item, Today, "p", Now), current)));

        var lapsed = Fold(Requested(), Approval(Today.AddDays(-5)));
        var expired = Assert.IsType<ExceptionExpired>(Assert.Single(RecordExpiry.Decide(new(Item, Today.AddDays(-4), "p", Now), lapsed)));
        Assert.Equal(CaseStatus.Expired, ExceptionCase.Evolve(lapsed, expired).Status);
        Assert.Equal(400, Refused(() => RecordExpiry.Decide(new(Item, Today.AddDays(-5), "p", Now), lapsed)));
        Assert.Equal(400, Refused(() => RecordExpiry.Decide(new(Item, Today.AddDays(1), "p", Now), lapsed)));
        Assert.Equal(409, Refused(() => RecordExpiry.Decide(new(Item, Today, "p", Now), Fold(Requested()))));
    }

    [Fact]
    public void An_extension_is_asked_for_before_it_lapses_and_decided_like_the_approval()
    {
        var approved = Fold(Requested(), Approval(Today.AddDays(10)));
        var asked = Assert.IsType<ExtensionRequested>(Assert.Single(
            RequestExtension.Decide(new(Item, Teacher, Today.AddDays(40), "pd1:why", "p", Now), approved, Max)));
        var pending = ExceptionCase.Evolve(approved, asked);
        Assert.Equal(Today.AddDays(40), pending.ExtensionRequestedUntil);
        Assert.Equal(409, Refused(() => RequestExtension.Decide(new(Item, Teacher, Today.AddDays(50), "pd1:why", "p", Now), pending, Max)));

        // Decided by the head like the approval: no further than asked, never by the holder, never by the chair for a teacher.
        Assert.Equal(400, Refused(() => ApproveExtension.Decide(new(Item, Today.AddDays(41), null, TheHead, Now), pending, Max)));
        Assert.Equal(403, Refused(() => ApproveExtension.Decide(new(Item, Today.AddDays(40), null, TheChair, Now), pending, Max)));
        var granted = Assert.IsType<ExtensionApproved>(Assert.Single(ApproveExtension.Decide(new(Item, Today.AddDays(30), null, TheHead, Now), pending, Max)));
        var extended = ExceptionCase.Evolve(pending, granted);
        Assert.Equal(Today.AddDays(30), extended.Until);
        Assert.Null(extended.ExtensionRequestedUntil);
        Assert.Equal(409, Refused(() => DeclineExtension.Decide(new(Item, "pd1:r", TheHead, Now), extended)));

        var refused = Assert.IsType<ExtensionDeclined>(Assert.Single(DeclineExtension.Decide(new(Item, "pd1:r", TheHead, Now), pending)));
        Assert.Equal(Today.AddDays(10), ExceptionCase.Evolve(pending, refused).Until);
    }

    [Fact]
    public void An_extension_is_refused_after_the_lapse_beyond_the_maximum_for_others_and_for_relationships()
    {
        var approved = Fold(Requested(), Approval(Today.AddDays(10)));
        Assert.Equal(400, Refused(() => RequestExtension.Decide(new(Item, Teacher, Today.AddDays(Max + 1), "pd1:why", "p", Now), approved, Max)));
        Assert.Equal(400, Refused(() => RequestExtension.Decide(new(Item, Teacher, Today.AddDays(10), "pd1:why", "p", Now), approved, Max)));
        Assert.Equal(403, Refused(() => RequestExtension.Decide(new(Item, Head, Today.AddDays(20), "pd1:why", "p", Now), approved, Max)));
        Assert.Equal(409, Refused(() => RequestExtension.Decide(new(Item, Teacher, Today.AddDays(20), "pd1:why", "p", Now),
            Fold(Requested(), Approval(Today.AddDays(-1))), Max)));
        Assert.Equal(409, Refused(() => RequestExtension.Decide(new(Item, Teacher, Today.AddDays(20), "pd1:why", "p", Now),
            Fold(Declared(), Advice, Approval(Today.AddDays(10))), Max)));

        var headsOwn = Fold(Requested(by: Head), Approval(Today.AddDays(10)), new ExtensionRequested(Item, Head, Today.AddDays(20), "pd1:w", "p", Now));
        Assert.Equal(403, Refused(() => ApproveExtension.Decide(new(Item, Today.AddDays(20), null, TheHead, Now), headsOwn, Max)));
        Assert.Equal(Role.ChairOfGovernors, Assert.IsType<ExtensionApproved>(Assert.Single(
            ApproveExtension.Decide(new(Item, Today.AddDays(20), null, TheChair, Now), headsOwn, Max))).DecidedAs);
    }

    [Fact]
    public void Declaring_and_requesting_check_their_dates_and_references()
    {
        var empty = ExceptionCase.Declarations.Initial;
        Assert.Equal(400, Refused(() => DeclareRelationship.Decide(
            new(Item, Teacher, RelationshipKind.Other, "pd1:d", EntryOf.Staff, Today.AddYears(2), "p", Now), empty)));
        Assert.Equal(409, Refused(() => DeclareRelationship.Decide(
            new(Item, Teacher, RelationshipKind.Other, "pd1:d", EntryOf.Staff, Today, "p", Now), Fold(Declared()))));
        Assert.Equal(400, Refused(() => MakeExceptionRequest.Decide(
            new(Item, Teacher, ExceptionKind.StaffBlog, "pd1:d", new string('r', 101), "p", Now), empty)));
    }

    [Fact]
    public void Event_names_and_kinds_are_the_ledgers()
    {
        Assert.Equal("declaration.made.v1", EventTypes.NameOf(typeof(RelationshipDeclared)));
        Assert.Equal("exception.dsl-consulted.v1", EventTypes.NameOf(typeof(DslAdviceRecorded)));
        Assert.Equal("ex-pupil-under-18", ExceptionCase.Name(RelationshipKind.ExPupilUnder18));
        Assert.Equal("remote-learning-platform", ExceptionCase.Name(ExceptionKind.RemoteLearningPlatform));
    }
}
