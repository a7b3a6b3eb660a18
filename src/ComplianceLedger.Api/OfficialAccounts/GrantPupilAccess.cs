using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>Pupils get access to the account: only once it is approved and its URL has gone to SLT or the head of department.</summary>
public static class GrantPupilAccess
{
    public sealed record Request(DateOnly? GrantedOn);

    public static IReadOnlyList<object> Decide(Guid accountId, DateOnly grantedOn, string by, DateTimeOffset now, Account state)
    {
        state.MustBeOpen();
        if (state.PupilAccess)
        {
            throw CommandRefusedException.Conflict("Pupils already have access.");
        }
        if (state.Suspended)
        {
            throw CommandRefusedException.Conflict("The account is suspended.");
        }
        if (state.ApprovedOn is not { } approved)
        {
            throw CommandRefusedException.Conflict("The headteacher must approve the account before pupils get access.");
        }
        if (state.UrlNotifiedOn is not { } notified)
        {
            throw CommandRefusedException.Conflict("Notify the URL to SLT or the head of department before pupils get access.");
        }
        AccountInput.NotInFuture(grantedOn, now, "grantedOn");
        if (grantedOn < notified || grantedOn < approved)
        {
            throw CommandRefusedException.Conflict(
                $"Pupil access cannot start before the URL was notified ({notified:yyyy-MM-dd}) and the account approved ({approved:yyyy-MM-dd}).");
        }
        return [new AccountPupilAccessGranted(accountId, grantedOn, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        var on = AccountInput.Required(body.GrantedOn, "grantedOn");
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
            s => Decide(accountId, on, context.Actor, context.Now, s), ct));
    }
}
