using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// Before an approved exception lapses, its holder asks for it to run to a later date, with a
/// reason. It goes to the same decision as the approval did.
/// </summary>
public static class RequestExtension
{
    public sealed record Request(DateOnly? Until, string? Reason);

    public sealed record Command(Guid ItemId, Guid PersonId, DateOnly Until, string SealedReason, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, ExceptionCase state, int? maxExceptionDays)
    {
        state.MustBeHolder(c.PersonId, "ask to extend it");
        if (state.IsDeclaration)
        {
            throw CommandRefusedException.Conflict("A declared relationship is not extended: the headteacher reviews it and moves the review date.");
        }
        state.MustBe(CaseStatus.Approved, "extend it");
        var today = SchoolDay.Of(c.Now);
        var until = state.Until!.Value;
        if (until < today)
        {
            throw CommandRefusedException.Conflict($"This exception lapsed after {until:yyyy-MM-dd}; request a new one instead.");
        }
        if (state.ExtensionRequestedUntil is { } asked)
        {
            throw CommandRefusedException.Conflict($"An extension to {asked:yyyy-MM-dd} is already awaiting a decision.");
        }
        if (c.Until <= until)
        {
            throw CommandRefusedException.Invalid($"until must be after {until:yyyy-MM-dd}, the date the exception now runs to.");
        }
        ExceptionCase.CheckUntil(c.Until, today, maxExceptionDays, "until");
        return [new ExtensionRequested(c.ItemId, state.Holder, c.Until, c.SealedReason, c.By, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid id, Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, Scheduling.ScheduledWork work, HttpResponse response,
        CancellationToken ct)
    {
        if (body.Until is not { } until)
        {
            throw CommandRefusedException.Invalid("until and reason are required.");
        }
        var reason = ExceptionCase.Text(body.Reason, "reason");
        var (streamId, definition, found) = await ExceptionCase.FindAsync(store, context.Tenant, id, ct);
        var max = await ExceptionCase.MaxExceptionDaysAsync(store, context.Tenant, ct);
        var command = new Command(id, context.Person, until, await vault.SealAsync(context.Tenant, found.Holder, reason, ct), context.Actor, context.Now);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, streamId, definition, s => Decide(command, s, max),
            (session, _) => Notices.AwaitingReminders.OnWaitingAsync(session, work, context.Tenant, id, context.Now), ct));
    }
}
