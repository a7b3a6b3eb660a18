using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>Records the account's risk assessment: its reference and date. A later assessment is recorded too.</summary>
public static class RecordRiskAssessment
{
    public sealed record Request(string? Reference, DateOnly? AssessedOn);

    public static IReadOnlyList<object> Decide(Guid accountId, string reference, DateOnly assessedOn, string by, DateTimeOffset now, Account state)
    {
        state.MustBeOpen();
        AccountInput.NotInFuture(assessedOn, now, "assessedOn");
        return [new AccountRiskAssessed(accountId, reference, assessedOn, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        var reference = AccountInput.Text(body.Reference, "reference", 100);
        var on = AccountInput.Required(body.AssessedOn, "assessedOn");
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
            s => Decide(accountId, reference, on, context.Actor, context.Now, s), ct));
    }
}
