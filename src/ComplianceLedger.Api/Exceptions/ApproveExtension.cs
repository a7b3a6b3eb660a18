using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The headteacher (the chair, for the head's own) grants a requested extension, to at most the
/// date asked for and the policy's maximum duration from today; conditions may be restated.
/// </summary>
public static class ApproveExtension
{
    public sealed record Request(DateOnly? Until, string? Conditions);

    public sealed record Command(Guid ItemId, DateOnly Until, string? SealedConditions, Decider By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, ExceptionCase state, int? maxExceptionDays)
    {
        var decidedAs = state.DecidingAs(c.By);
        var asked = PendingExtension(state);
        if (c.Until > asked || c.Until <= state.Until)
        {
            throw CommandRefusedException.Invalid($"until must be after {state.Until:yyyy-MM-dd} and no later than {asked:yyyy-MM-dd}, the date asked for.");
        }
        ExceptionCase.CheckUntil(c.Until, SchoolDay.Of(c.Now), maxExceptionDays, "until");
        return [new ExtensionApproved(c.ItemId, state.Holder, c.Until, c.SealedConditions, c.By.Actor, decidedAs, c.Now)];
    }

    /// <summary>The date an extension awaiting a decision asks for.</summary>
    public static DateOnly PendingExtension(ExceptionCase state) =>
        state.Status == CaseStatus.Approved && state.ExtensionRequestedUntil is { } asked
            ? asked
            : throw CommandRefusedException.Conflict($"No extension of this {state.What} is awaiting a decision.");

    public static async Task<Ok<CommandResult>> Handle(
        Guid id, Request body, CommandContext context, SchoolMember member, LedgerStore store, NpgsqlDataSource dataSource,
        PersonalDataVault vault, ScheduledWork work, HttpResponse response, CancellationToken ct)
    {
        if (body.Until is not { } until)
        {
            throw CommandRefusedException.Invalid("until is required; conditions are optional (omitted: unchanged).");
        }
        var conditions = body.Conditions is null ? null : ExceptionCase.Text(body.Conditions, "conditions");
        var (streamId, definition, found) = await ExceptionCase.FindAsync(store, context.Tenant, id, ct);
        var max = await ExceptionCase.MaxExceptionDaysAsync(store, context.Tenant, ct);
        var command = new Command(id, until, conditions is null ? null : await vault.SealAsync(context.Tenant, found.Holder, conditions, ct),
            await ExceptionCase.DeciderAsync(member, dataSource, ct), context.Now);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, streamId, definition, s => Decide(command, s, max),
            ExpiryDue.Schedule(work, context.Tenant, id, until), ct));
    }
}
