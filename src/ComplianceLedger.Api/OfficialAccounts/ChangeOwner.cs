using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>A new owner takes over the account (e.g. when the owner leaves). The old owner still knows the login until a rotation.</summary>
public static class ChangeOwner
{
    public sealed record Request(Guid? OwnerId, DateOnly? EffectiveOn);

    public static IReadOnlyList<object> Decide(Guid accountId, Guid ownerId, Person owner, DateOnly effectiveOn, string by, DateTimeOffset now, Account state)
    {
        state.MustBeOpen();
        RegisterAccount.CheckOwner(owner);
        if (state.OwnerId == ownerId)
        {
            throw CommandRefusedException.Conflict("This person already owns the account.");
        }
        return [new AccountOwnerChanged(accountId, state.OwnerId, ownerId, effectiveOn, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        var ownerId = AccountInput.Required(body.OwnerId, "ownerId");
        var on = AccountInput.Required(body.EffectiveOn, "effectiveOn");
        var (owner, _) = await StreamHandler.LoadAsync(store, context.Tenant, Person.StreamId(ownerId), Person.Stream, ct);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
            s => Decide(accountId, ownerId, owner, on, context.Actor, context.Now, s), ct));
    }
}
