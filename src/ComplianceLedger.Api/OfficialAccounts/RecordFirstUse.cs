using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>The account went live: first used on behalf of the school.</summary>
/// <remarks>
/// Refused until the headteacher's approval is on record. Once it is, the date of first use is
/// recorded as it happened, even when that was before the approval: an existing account brought
/// onto the register was often in use first, and the dashboard flags exactly that.
/// </remarks>
public static class RecordFirstUse
{
    public sealed record Request(DateOnly? FirstUsedOn);

    public static IReadOnlyList<object> Decide(Guid accountId, DateOnly firstUsedOn, string by, DateTimeOffset now, Account state)
    {
        state.MustBeOpen();
        if (state.FirstUsedOn is { } earlier)
        {
            throw CommandRefusedException.Conflict($"First use is already recorded ({earlier:yyyy-MM-dd}).");
        }
        if (state.Suspended)
        {
            throw CommandRefusedException.Conflict("The account is suspended.");
        }
        if (!state.Approved)
        {
            throw CommandRefusedException.Conflict("The headteacher must approve the account before it is used.");
        }
        AccountInput.NotInFuture(firstUsedOn, now, "firstUsedOn");
        return [new AccountWentLive(accountId, firstUsedOn, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        var on = AccountInput.Required(body.FirstUsedOn, "firstUsedOn");
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
            s => Decide(accountId, on, context.Actor, context.Now, s), ct));
    }
}
