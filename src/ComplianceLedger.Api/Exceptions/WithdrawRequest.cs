using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The holder withdraws. A request can be withdrawn while pending or approved; a declared
/// relationship at any time, since withdrawing is how the school learns it has ended (and a
/// revoked or expired one stops needing attention).
/// </summary>
public static class WithdrawRequest
{
    public sealed record Request(string? Reason);

    public sealed record Command(Guid ItemId, Guid PersonId, string SealedReason, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, ExceptionCase state)
    {
        state.MustBeHolder(c.PersonId, "withdraw it");
        if (state.Status == CaseStatus.Withdrawn)
        {
            throw CommandRefusedException.Conflict($"This {state.What} is already withdrawn.");
        }
        if (!state.IsDeclaration && state.Status is not (CaseStatus.Pending or CaseStatus.Approved))
        {
            throw CommandRefusedException.Conflict($"This exception request is {state.Status.ToString().ToLowerInvariant()}; there is nothing to withdraw.");
        }
        return [new ExceptionWithdrawn(c.ItemId, state.Holder, c.SealedReason, c.By, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid id, Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var reason = ExceptionCase.Text(body.Reason, "reason");
        var (streamId, definition, found) = await ExceptionCase.FindAsync(store, context.Tenant, id, ct);
        var command = new Command(id, context.Person, await vault.SealAsync(context.Tenant, found.Holder, reason, ct), context.Actor, context.Now);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, streamId, definition, s => Decide(command, s), ct));
    }
}
