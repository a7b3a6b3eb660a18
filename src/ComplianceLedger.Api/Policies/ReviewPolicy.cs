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
        string policyId, Request body, CommandContext context, LedgerStore store, Scheduling.ScheduledWork work, HttpResponse response,
        CancellationToken ct)
    {
        PublishPolicyVersion.CheckPolicyId(policyId);
        if (body.ReviewedOn is not { } on)
        {
            throw CommandRefusedException.Invalid("reviewedOn is required.");
        }
        // The next review's date follows from the state the decision saw; it is scheduled in the same transaction.
        DateOnly? next = null;
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Policy.StreamId(policyId), Policy.Stream, s =>
        {
            var events = Decide(policyId, on, context.Actor, context.Now, s);
            next = ((PolicyReviewedWithoutChange)events[0]).NextReviewDue;
            return events;
        }, (session, token) => RecordReviewDue.Schedule(work, context.Tenant, policyId, next!.Value)(session, token), ct));
    }
}
