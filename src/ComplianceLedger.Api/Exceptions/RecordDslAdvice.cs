using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The DSL records the consultation and their written advice, before the decision. Required for a
/// declared relationship; welcome on any exception request (e.g. a remote-learning platform).
/// Advice may be recorded again while the item awaits a (fresh) decision; the latest is shown.
/// </summary>
public static class RecordDslAdvice
{
    public sealed record Request(string? Advice);

    public sealed record Command(Guid ItemId, Guid DslPersonId, string SealedAdvice, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, ExceptionCase state)
    {
        state.MustExist();
        if (c.DslPersonId == state.Holder)
        {
            throw CommandRefusedException.Forbidden($"The DSL cannot advise on their own {state.What}: another safeguarding lead must.");
        }
        state.MustAwaitDecision("record DSL advice");
        return [new DslAdviceRecorded(c.ItemId, state.Holder, c.SealedAdvice, c.By, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid id, Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, Scheduling.ScheduledWork work, HttpResponse response,
        CancellationToken ct)
    {
        var advice = ExceptionCase.Text(body.Advice, "advice");
        var (streamId, definition, found) = await ExceptionCase.FindAsync(store, context.Tenant, id, ct);
        var command = new Command(id, context.Person, await vault.SealAsync(context.Tenant, found.Holder, advice, ct), context.Actor, context.Now);
        // Advised: now it waits for the head's decision, and that wait is chased in turn.
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, streamId, definition, s => Decide(command, s),
            (session, _) => Notices.AwaitingReminders.OnWaitingAsync(session, work, context.Tenant, id, context.Now), ct));
    }
}
