using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The signed-in person asks for an exception not tied to a relationship: personal contact details
/// on school business, a blog naming the school, or social media as a remote-learning platform
/// (which needs a risk assessment reference before it can be approved).
/// </summary>
public static class MakeExceptionRequest
{
    public sealed record Request(ExceptionKind? Kind, string? Description, string? RiskAssessmentReference);

    public sealed record Command(
        Guid ExceptionId, Guid PersonId, ExceptionKind Kind, string SealedDescription, string? RiskAssessmentReference, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, ExceptionCase state)
    {
        if (state.Status != CaseStatus.None)
        {
            throw CommandRefusedException.Conflict("This exception is already requested.");
        }
        CheckReference(c.RiskAssessmentReference);
        return [new ExceptionRequested(c.ExceptionId, c.PersonId, c.Kind, c.SealedDescription, c.RiskAssessmentReference, c.By, c.Now)];
    }

    /// <summary>A risk assessment is named by a document reference (e.g. RA-2026-07), never its content.</summary>
    public static void CheckReference(string? reference)
    {
        if (reference is not null && (string.IsNullOrWhiteSpace(reference) || reference.Length > 100))
        {
            throw CommandRefusedException.Invalid("riskAssessmentReference, when given, is a document reference of up to 100 characters.");
        }
    }

    public static async Task<Created<CommandResult>> Handle(
        Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, Scheduling.ScheduledWork work, HttpResponse response,
        CancellationToken ct)
    {
        if (body.Kind is not { } kind)
        {
            throw CommandRefusedException.Invalid("kind and description are required.");
        }
        var description = ExceptionCase.Text(body.Description, "description");
        var personId = context.Person;
        var id = Guid.CreateVersion7(context.Now);
        var command = new Command(id, personId, kind, await vault.SealAsync(context.Tenant, personId, description, ct),
            body.RiskAssessmentReference?.Trim(), context.Actor, context.Now);
        var result = await StreamHandler.HandleAsync(store, context, ExceptionCase.RequestStreamId(id), ExceptionCase.Requests,
            s => Decide(command, s), (session, _) => Notices.AwaitingReminders.OnWaitingAsync(session, work, context.Tenant, id, context.Now), ct);
        return Responses.Created(response, $"/api/schools/{context.Tenant}/exceptions/{ExceptionCase.IdOf(result.StreamId)}", result);
    }
}
