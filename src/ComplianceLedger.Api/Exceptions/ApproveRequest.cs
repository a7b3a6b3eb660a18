using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The headteacher (the chair of governors, for the head's own) approves with conditions until a
/// date: the review date of a relationship, the expiry of a request. Never longer than the social
/// media policy's maximum exception duration. A relationship whose approval was revoked or lapsed
/// is still declared, so it may be approved (or declined) afresh here.
/// </summary>
public static class ApproveRequest
{
    // A risk assessment is needed only for some kinds of exception, so the document does not require it.
    public sealed record Request(string? Conditions, DateOnly? Until, string? RiskAssessmentReference = null);

    public sealed record Command(Guid ItemId, string SealedConditions, DateOnly Until, string? RiskAssessmentReference, Decider By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, ExceptionCase state, int? maxExceptionDays)
    {
        var decidedAs = state.DecidingAs(c.By);
        state.MustAwaitDecision("approve it");
        state.MustHaveDslAdvice();
        MakeExceptionRequest.CheckReference(c.RiskAssessmentReference);
        if (state.Kind == ExceptionCase.Name(ExceptionKind.RemoteLearningPlatform) && !state.RiskAssessed && c.RiskAssessmentReference is null)
        {
            throw CommandRefusedException.Invalid(
                "Social media as a remote-learning platform needs a risk assessment before approval: give riskAssessmentReference.");
        }
        ExceptionCase.CheckUntil(c.Until, SchoolDay.Of(c.Now), maxExceptionDays, "until");
        return [new ExceptionApproved(c.ItemId, state.Holder, c.SealedConditions, c.Until, c.RiskAssessmentReference, c.By.Actor, decidedAs, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid id, Request body, CommandContext context, SchoolMember member, LedgerStore store, NpgsqlDataSource dataSource,
        PersonalDataVault vault, ScheduledWork work, HttpResponse response, CancellationToken ct)
    {
        if (body.Until is not { } until)
        {
            throw CommandRefusedException.Invalid("conditions and until (the review or expiry date) are required.");
        }
        var conditions = ExceptionCase.Text(body.Conditions, "conditions");
        var (streamId, definition, found) = await ExceptionCase.FindAsync(store, context.Tenant, id, ct);
        var max = await ExceptionCase.MaxExceptionDaysAsync(store, context.Tenant, ct);
        var command = new Command(id, await vault.SealAsync(context.Tenant, found.Holder, conditions, ct), until, body.RiskAssessmentReference?.Trim(),
            await ExceptionCase.DeciderAsync(member, dataSource, ct), context.Now);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, streamId, definition, s => Decide(command, s, max),
            ExpiryDue.Schedule(work, context.Tenant, id, until), ct));
    }
}
