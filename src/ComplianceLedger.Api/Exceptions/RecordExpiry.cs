using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The head or office records that an approval lapsed: its review or expiry date passed with no
/// review or extension. The ledger also records it by itself, as the system, the day after the
/// date (<see cref="ExpiryDue"/>, scheduled when the date was set); this stays for a lapse recorded
/// by hand (one that predates the schedule).
/// </summary>
public static class RecordExpiry
{
    public sealed record Request(DateOnly? ExpiredOn);

    public sealed record Command(Guid ItemId, DateOnly ExpiredOn, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, ExceptionCase state)
    {
        state.MustExist();
        state.MustBe(CaseStatus.Approved, "record its expiry");
        var today = SchoolDay.Of(c.Now);
        var until = state.Until!.Value;
        if (until >= today)
        {
            throw CommandRefusedException.Conflict($"This {state.What} runs until {until:yyyy-MM-dd}; it has not lapsed.");
        }
        if (c.ExpiredOn <= until || c.ExpiredOn > today)
        {
            throw CommandRefusedException.Invalid($"expiredOn must be after {until:yyyy-MM-dd}, the date it ran until, and not in the future.");
        }
        return [new ExceptionExpired(c.ItemId, state.Holder, c.ExpiredOn, c.By, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid id, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        if (body.ExpiredOn is not { } on)
        {
            throw CommandRefusedException.Invalid("expiredOn is required.");
        }
        var (streamId, definition, _) = await ExceptionCase.FindAsync(store, context.Tenant, id, ct);
        var command = new Command(id, on, context.Actor, context.Now);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, streamId, definition, s => Decide(command, s), ct));
    }
}
