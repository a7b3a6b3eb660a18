using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>Someone checked the account's About page for a link to the school's AUP; a missing link is recorded too.</summary>
public static class RecordAupLinkCheck
{
    public sealed record Request(DateOnly? CheckedOn, bool? LinksToAup, string? AupUrl);

    public static IReadOnlyList<object> Decide(Guid accountId, DateOnly checkedOn, bool linksToAup, string? aupUrl, string by, DateTimeOffset now, Account state)
    {
        state.MustBeOpen();
        AccountInput.NotInFuture(checkedOn, now, "checkedOn");
        return [new AccountAupLinkChecked(accountId, checkedOn, linksToAup, aupUrl, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        var on = AccountInput.Required(body.CheckedOn, "checkedOn");
        var links = AccountInput.Required(body.LinksToAup, "linksToAup");
        var aupUrl = body.AupUrl is null ? null : AccountInput.Url(body.AupUrl, "aupUrl");
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
            s => Decide(accountId, on, links, aupUrl, context.Actor, context.Now, s), ct));
    }
}
