using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Projections.Rules;

namespace ComplianceLedger.Tests.Rules;

/// <summary>The declaration and segregation-of-duties rules, pure: no database.</summary>
public sealed class ExceptionRulesTests
{
    static readonly DateOnly Opened = new(2026, 9, 7);
    static readonly Guid Holder = Guid.Parse("0190a0b0-0000-7000-8000-00000000000a");

    /// <summary>A teacher's declaration, made at position 10 and not yet advised on.</summary>
    static ExceptionFacts Declaration => new(Guid.Parse("0190a0b0-0000-7000-8000-0000000000d1"), "declaration", Holder, "pupil-family", "pending",
        Opened, 10, null, null, null, null, null, null, null, null, ["teacher"], null);

    static ExceptionFacts Request => Declaration with { Subject = "exception", Kind = "staff-blog" };

    /// <summary>Advised at 11, approved at 12 until the given date.</summary>
    static ExceptionFacts Approved(DateOnly until, ExceptionFacts? item = null) =>
        (item ?? Declaration) with { Status = "approved", DslPosition = 11, FirstDecisionPosition = 12, DecisionPosition = 12, Until = until };

    public sealed class EveryDeclarationHasADecision
    {
        [Fact]
        public void Pending_is_due_within_28_days_of_being_made_and_overdue_after()
        {
            var due = ExceptionDecision.Evaluate(Declaration, Opened.AddDays(28))!;
            Assert.Equal(ComplianceStatus.Due, due.Status);
            Assert.Equal(Opened.AddDays(28), due.DueOn);
            Assert.Equal([10L], due.Proof);
            Assert.Contains("DSL", due.Detail, StringComparison.Ordinal);
            Assert.Equal(ComplianceStatus.Overdue, ExceptionDecision.Evaluate(Declaration, Opened.AddDays(29))!.Status);
        }

        [Fact]
        public void Advised_but_undecided_is_still_due_and_cites_the_advice() =>
            Assert.Equal([10L, 11L], ExceptionDecision.Evaluate(Declaration with { DslPosition = 11 }, Opened)!.Proof);

        [Fact]
        public void Decided_is_ok_and_proved_by_the_declaration_and_the_decision()
        {
            var verdict = ExceptionDecision.Evaluate(Approved(Opened.AddDays(100)), Opened.AddDays(90))!;
            Assert.Equal(ComplianceStatus.Ok, verdict.Status);
            Assert.Equal([10L, 12L], verdict.Proof);
        }

        [Fact]
        public void Withdrawn_before_a_decision_is_ok() =>
            Assert.Equal(ComplianceStatus.Ok, ExceptionDecision.Evaluate(Declaration with { Status = "withdrawn", WithdrawnPosition = 13 }, Opened.AddDays(60))!.Status);

        [Fact]
        public void A_request_awaits_a_decision_too_and_a_leaver_owes_none()
        {
            Assert.Equal(ComplianceStatus.Overdue, ExceptionDecision.Evaluate(Request, Opened.AddDays(40))!.Status);
            Assert.Null(ExceptionDecision.Evaluate(Declaration with { HolderLeftOn = Opened.AddDays(5) }, Opened.AddDays(40)));
        }
    }

    public sealed class NoDecisionWithoutTheDsl
    {
        [Fact]
        public void Decided_after_the_DSLs_advice_is_ok()
        {
            var verdict = DslConsultation.Evaluate(Approved(Opened.AddDays(100)))!;
            Assert.Equal(ComplianceStatus.Ok, verdict.Status);
            Assert.Equal([11L, 12L], verdict.Proof);
        }

        [Fact]
        public void Decided_without_advice_needs_attention() =>
            Assert.Equal(ComplianceStatus.Attention, DslConsultation.Evaluate(Approved(Opened.AddDays(100)) with { DslPosition = null })!.Status);

        [Fact]
        public void Advice_recorded_only_after_the_decision_needs_attention() =>
            Assert.Equal(ComplianceStatus.Attention, DslConsultation.Evaluate(Approved(Opened.AddDays(100)) with { DslPosition = 13 })!.Status);

        [Fact]
        public void Undecided_declarations_and_requests_are_not_judged()
        {
            Assert.Null(DslConsultation.Evaluate(Declaration));
            Assert.Null(DslConsultation.Evaluate(Approved(Opened.AddDays(100), Request) with { DslPosition = null }));
        }
    }

    public sealed class ApprovedExceptionsPastTheirDate
    {
        [Fact]
        public void Approved_is_ok_until_its_review_date_and_carries_it()
        {
            var verdict = ExceptionReview.Evaluate(Approved(Opened.AddDays(100)), Opened.AddDays(100))!;
            Assert.Equal(ComplianceStatus.Ok, verdict.Status);
            Assert.Equal(Opened.AddDays(100), verdict.DueOn);
            Assert.Equal([10L, 12L], verdict.Proof);
        }

        [Fact]
        public void Past_the_review_or_expiry_date_is_overdue()
        {
            Assert.Equal(ComplianceStatus.Overdue, ExceptionReview.Evaluate(Approved(Opened.AddDays(100)), Opened.AddDays(101))!.Status);
            var request = ExceptionReview.Evaluate(Approved(Opened.AddDays(100), Request) with { ExtensionUntil = Opened.AddDays(150) }, Opened.AddDays(101))!;
            Assert.Equal(ComplianceStatus.Overdue, request.Status);
            Assert.Contains("extension", request.Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void Not_approved_or_held_by_a_leaver_is_not_judged()
        {
            Assert.Null(ExceptionReview.Evaluate(Declaration, Opened.AddDays(500)));
            Assert.Null(ExceptionReview.Evaluate(Approved(Opened.AddDays(100)) with { Status = "expired", LapsedPosition = 20 }, Opened.AddDays(500)));
            Assert.Null(ExceptionReview.Evaluate(Approved(Opened.AddDays(100)) with { HolderLeftOn = Opened.AddDays(50) }, Opened.AddDays(500)));
        }
    }

    public sealed class RevokedOrExpiredButStillDeclared
    {
        static ExceptionFacts Lapsed(string status) => Approved(Opened.AddDays(100)) with { Status = status, LapsedPosition = 20 };

        [Fact]
        public void A_revoked_or_expired_relationship_still_declared_needs_attention()
        {
            foreach (var status in new[] { "revoked", "expired" })
            {
                var verdict = LapsedRelationship.Evaluate(Lapsed(status), Opened.AddDays(200))!;
                Assert.Equal(ComplianceStatus.Attention, verdict.Status);
                Assert.Equal([10L, 20L], verdict.Proof);
            }
        }

        [Fact]
        public void Withdrawn_or_decided_afresh_afterwards_is_ok()
        {
            var withdrawn = LapsedRelationship.Evaluate(Lapsed("revoked") with { Status = "withdrawn", WithdrawnPosition = 21 }, Opened.AddDays(200))!;
            Assert.Equal(ComplianceStatus.Ok, withdrawn.Status);
            Assert.Equal([20L, 21L], withdrawn.Proof);
            var afresh = LapsedRelationship.Evaluate(Lapsed("expired") with { Status = "approved", DecisionPosition = 22 }, Opened.AddDays(200))!;
            Assert.Equal(ComplianceStatus.Ok, afresh.Status);
        }

        [Fact]
        public void Requests_never_lapsed_relationships_and_leavers_are_not_judged()
        {
            Assert.Null(LapsedRelationship.Evaluate(Approved(Opened.AddDays(100), Request) with { Status = "expired", LapsedPosition = 20 }, Opened));
            Assert.Null(LapsedRelationship.Evaluate(Approved(Opened.AddDays(100)), Opened.AddDays(200)));
            Assert.Null(LapsedRelationship.Evaluate(Lapsed("revoked") with { HolderLeftOn = Opened.AddDays(150) }, Opened.AddDays(200)));
        }
    }

    public sealed class NoOneApprovesTheirOwnRequest
    {
        [Fact]
        public void Decided_by_someone_else_is_ok() =>
            Assert.Equal(ComplianceStatus.Ok, SegregationOfDuties.Evaluate(Approved(Opened.AddDays(100)))!.Status);

        [Fact]
        public void Decided_by_the_holder_needs_attention_and_cites_that_decision()
        {
            var verdict = SegregationOfDuties.Evaluate(Approved(Opened.AddDays(100)) with { SelfDecidedPosition = 12 })!;
            Assert.Equal(ComplianceStatus.Attention, verdict.Status);
            Assert.Equal([10L, 12L], verdict.Proof);
        }

        [Fact]
        public void Nothing_decided_is_not_judged() => Assert.Null(SegregationOfDuties.Evaluate(Declaration));
    }
}
