using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.People;

/// <summary>
/// Long-term leave starts or ends. While away a person is shown as on leave, not overdue. Both are
/// dated: leave from next Monday, back on the 14th; each takes effect on its date, not when recorded.
/// </summary>
public static class RecordLeave
{
    public sealed record StartRequest(LeaveKind? Kind, DateOnly? From);

    public sealed record ReturnRequest(DateOnly? On);

    public static IReadOnlyList<object> DecideStart(Guid personId, LeaveKind kind, DateOnly from, string by, DateTimeOffset now, Person state)
    {
        state.MustBeCurrent();
        if (state.OnLeave)
        {
            throw CommandRefusedException.Conflict("The person is already on leave.");
        }
        return [new PersonLeaveStarted(personId, kind, from, by, now)];
    }

    public static IReadOnlyList<object> DecideReturn(Guid personId, DateOnly on, string by, DateTimeOffset now, Person state)
    {
        state.MustBeCurrent();
        if (!state.OnLeave)
        {
            throw CommandRefusedException.Conflict("The person is not on leave.");
        }
        if (state.LeaveFrom is { } from && on < from)
        {
            throw CommandRefusedException.Invalid($"on must be on or after the first day of the leave, {from:yyyy-MM-dd}.");
        }
        return [new PersonReturnedFromLeave(personId, on, by, now)];
    }

    public static async Task<Ok<CommandResult>> Start(
        Guid personId, StartRequest body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        if (body.Kind is not { } kind || body.From is not { } from)
        {
            throw CommandRefusedException.Invalid("kind and from are required.");
        }
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Person.StreamId(personId), Person.Stream,
            s => DecideStart(personId, kind, from, context.Actor, context.Now, s), ct));
    }

    public static async Task<Ok<CommandResult>> Return(
        Guid personId, ReturnRequest body, CommandContext context, LedgerStore store, Scheduling.ScheduledWork work, Npgsql.NpgsqlDataSource dataSource,
        HttpResponse response, CancellationToken ct)
    {
        if (body.On is not { } on)
        {
            throw CommandRefusedException.Invalid("on is required.");
        }
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Person.StreamId(personId), Person.Stream,
            s => DecideReturn(personId, on, context.Actor, context.Now, s),
            // The deadline starts again on return, and so do the reminders.
            (session, _) => Notices.AcknowledgementReminders.OnPersonChangedAsync(session, work, dataSource, context.Tenant, personId, on, context.Now), ct));
    }
}
