using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The periodic review of an approved relationship: the head (the chair, for the head's own) moves
/// the review date on, within the maximum duration, and may restate the conditions.
/// </summary>
public static class ReviewDeclaration
{
    public sealed record Request(DateOnly? NextReviewOn, string? Conditions);

    public sealed record Command(Guid ItemId, DateOnly NextReviewOn, string? SealedConditions, Decider By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, ExceptionCase state, int? maxExceptionDays)
    {
        var reviewedAs = state.DecidingAs(c.By);
        if (!state.IsDeclaration)
        {
            throw CommandRefusedException.Conflict("An exception request is not reviewed: its holder requests an extension before it lapses.");
        }
        state.MustBe(CaseStatus.Approved, "review it");
        ExceptionCase.CheckUntil(c.NextReviewOn, SchoolDay.Of(c.Now), maxExceptionDays, "nextReviewOn");
        return [new ExceptionReviewed(c.ItemId, state.Holder, c.NextReviewOn, c.SealedConditions, c.By.Actor, reviewedAs, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid id, Request body, CommandContext context, SchoolMember member, LedgerStore store, NpgsqlDataSource dataSource,
        PersonalDataVault vault, ScheduledWork work, HttpResponse response, CancellationToken ct)
    {
        if (body.NextReviewOn is not { } next)
        {
            throw CommandRefusedException.Invalid("nextReviewOn is required; conditions are optional (omitted: unchanged).");
        }
        var conditions = body.Conditions is null ? null : ExceptionCase.Text(body.Conditions, "conditions");
        var (streamId, definition, found) = await ExceptionCase.FindAsync(store, context.Tenant, id, ct);
        var max = await ExceptionCase.MaxExceptionDaysAsync(store, context.Tenant, ct);
        var command = new Command(id, next, conditions is null ? null : await vault.SealAsync(context.Tenant, found.Holder, conditions, ct),
            await ExceptionCase.DeciderAsync(member, dataSource, ct), context.Now);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, streamId, definition, s => Decide(command, s, max),
            ExpiryDue.Schedule(work, context.Tenant, id, next), ct));
    }
}
