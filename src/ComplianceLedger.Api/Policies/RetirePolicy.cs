using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Policies;

/// <summary>A policy is withdrawn: no one owes it acknowledgements any more; its history stays.</summary>
public static class RetirePolicy
{
    public sealed record Request(DateOnly? RetiredOn);

    public static IReadOnlyList<object> Decide(string policyId, DateOnly retiredOn, string by, DateTimeOffset now, Policy state)
    {
        if (state.Versions.Count == 0)
        {
            throw CommandRefusedException.NotFound($"No policy {policyId}.");
        }
        if (state.Retired)
        {
            throw CommandRefusedException.Conflict($"{policyId} is already retired.");
        }
        return [new PolicyRetired(policyId, retiredOn, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        string policyId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        PublishPolicyVersion.CheckPolicyId(policyId);
        if (body.RetiredOn is not { } on)
        {
            throw CommandRefusedException.Invalid("retiredOn is required.");
        }
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Policy.StreamId(policyId), Policy.Stream,
            s => Decide(policyId, on, context.Actor, context.Now, s), ct));
    }
}
