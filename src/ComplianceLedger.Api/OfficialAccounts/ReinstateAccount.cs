using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>A suspended account is back in use.</summary>
public static class ReinstateAccount
{
    public sealed record Request(DateOnly? ReinstatedOn);

    public static IReadOnlyList<object> Decide(Guid accountId, DateOnly reinstatedOn, string by, DateTimeOffset now, Account state)
    {
        state.MustBeOpen();
        if (!state.Suspended)
        {
            throw CommandRefusedException.Conflict("The account is not suspended.");
        }
        AccountInput.NotInFuture(reinstatedOn, now, "reinstatedOn");
        return [new AccountReinstated(accountId, reinstatedOn, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        var on = AccountInput.Required(body.ReinstatedOn, "reinstatedOn");
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
            s => Decide(accountId, on, context.Actor, context.Now, s), ct));
    }
}
