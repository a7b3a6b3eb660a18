using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Credentials;

/// <summary>A custodian no longer holds the account's credentials. They still know them until the next rotation.</summary>
public static class RemoveCustodian
{
    public sealed record Request(CustodianRemovalReason? Reason);

    public static IReadOnlyList<object> Decide(
        Guid accountId, Guid custodianId, CustodianRemovalReason reason, string by, DateTimeOffset now, Account account, Custody state)
    {
        if (!account.Registered)
        {
            throw CommandRefusedException.NotFound("No such official account at this school.");
        }
        if (!state.Custodians.Contains(custodianId))
        {
            throw CommandRefusedException.NotFound("This person does not hold the account's credentials.");
        }
        return [new CustodianRemoved(accountId, custodianId, reason, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Guid personId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        var reason = AccountInput.Required(body.Reason, "reason");
        var (account, _) = await StreamHandler.LoadAsync(store, context.Tenant, Account.StreamId(accountId), Account.Stream, ct);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Custody.StreamId(accountId), Custody.Stream,
            s => Decide(accountId, personId, reason, context.Actor, context.Now, account, s), ct));
    }
}
