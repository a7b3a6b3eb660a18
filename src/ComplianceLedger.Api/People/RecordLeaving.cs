using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.People;

/// <summary>A person leaves the school: they no longer owe acknowledgements, and accounts they owned or guarded need new custody.</summary>
public static class RecordLeaving
{
    public sealed record Request(DateOnly? LeftOn);

    public static IReadOnlyList<object> Decide(Guid personId, DateOnly leftOn, string by, DateTimeOffset now, Person state)
    {
        state.MustBeCurrent();
        return [new PersonLeft(personId, leftOn, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid personId, Request body, CommandContext context, LedgerStore store, Scheduling.ScheduledWork work, Npgsql.NpgsqlDataSource dataSource,
        HttpResponse response, CancellationToken ct)
    {
        if (body.LeftOn is not { } leftOn)
        {
            throw CommandRefusedException.Invalid("leftOn is required.");
        }
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Person.StreamId(personId), Person.Stream,
            s => Decide(personId, leftOn, context.Actor, context.Now, s),
            // The accounts whose login details they knew must be changed: their custodians are told on the day.
            (session, _) => Notices.CredentialRotationReminders.OnHolderChangedAsync(session, work, dataSource, context.Tenant, personId, left: true, leftOn, context.Now),
            ct));
    }
}
