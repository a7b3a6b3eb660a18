using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>Suspends an account (suspected compromise, misuse, no active owner…). The note is sealed with its author's key.</summary>
public static class SuspendAccount
{
    public sealed record Request(SuspensionReason? Reason, string? Note, DateOnly? SuspendedOn);

    public static IReadOnlyList<object> Decide(
        Guid accountId, SuspensionReason reason, string? sealedNote, DateOnly suspendedOn, string by, DateTimeOffset now, Account state)
    {
        state.MustBeOpen();
        if (state.Suspended)
        {
            throw CommandRefusedException.Conflict("The account is already suspended.");
        }
        AccountInput.NotInFuture(suspendedOn, now, "suspendedOn");
        return [new AccountSuspended(accountId, reason, sealedNote, suspendedOn, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var reason = AccountInput.Required(body.Reason, "reason");
        var on = AccountInput.Required(body.SuspendedOn, "suspendedOn");
        var note = AccountInput.OptionalText(body.Note, "note", 2000);
        var sealedNote = note is null ? null : await vault.SealAsync(context.Tenant, context.Person, note, ct);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
            s => Decide(accountId, reason, sealedNote, on, context.Actor, context.Now, s), ct));
    }
}
