using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Policies;

/// <summary>A review with no changes: recorded like any other, and the next review moves a cycle on.</summary>
public static class ReviewPolicy
{
    public sealed record Request(DateOnly? ReviewedOn);

    public static IReadOnlyList<object> Decide(string policyId, DateOnly reviewedOn, string by, DateTimeOffset now, Policy state)
    {
        var current = state.Current ?? throw CommandRefusedException.NotFound($"{policyId} has no current version.");
        if (reviewedOn > SchoolDay.Of(now))
        {
            throw CommandRefusedException.Invalid("reviewedOn cannot be in the future.");
        }
        return [new PolicyReviewedWithoutChange(policyId, current.Label, reviewedOn, reviewedOn.AddYears(current.ReviewCycleYears), by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        string policyId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        PublishPolicyVersion.CheckPolicyId(policyId);
        if (body.ReviewedOn is not { } on)
        {
            throw CommandRefusedException.Invalid("reviewedOn is required.");
        }
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Policy.StreamId(policyId), Policy.Stream,
            s => Decide(policyId, on, context.Actor, context.Now, s), ct));
    }
}
