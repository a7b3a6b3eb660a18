using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>The account is closed for good. Its history stays; the dashboard stops judging it.</summary>
public static class DecommissionAccount
{
    public sealed record Request(DateOnly? DecommissionedOn);

    public static IReadOnlyList<object> Decide(Guid accountId, DateOnly decommissionedOn, string by, DateTimeOffset now, Account state)
    {
        state.MustBeOpen();
        AccountInput.NotInFuture(decommissionedOn, now, "decommissionedOn");
        return [new AccountDecommissioned(accountId, decommissionedOn, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        var on = AccountInput.Required(body.DecommissionedOn, "decommissionedOn");
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
            s => Decide(accountId, on, context.Actor, context.Now, s), ct));
    }
}
