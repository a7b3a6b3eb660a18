using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>The headteacher (the chair, for the head's own) refuses an extension; the exception still runs to its date.</summary>
public static class DeclineExtension
{
    public sealed record Request(string? Reasons);

    public sealed record Command(Guid ItemId, string SealedReasons, Decider By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, ExceptionCase state)
    {
        var decidedAs = state.DecidingAs(c.By);
        ApproveExtension.PendingExtension(state);
        return [new ExtensionDeclined(c.ItemId, state.Holder, c.SealedReasons, c.By.Actor, decidedAs, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid id, Request body, CommandContext context, SchoolMember member, LedgerStore store, NpgsqlDataSource dataSource,
        PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var reasons = ExceptionCase.Text(body.Reasons, "reasons");
        var (streamId, definition, found) = await ExceptionCase.FindAsync(store, context.Tenant, id, ct);
        var command = new Command(id, await vault.SealAsync(context.Tenant, found.Holder, reasons, ct),
            await ExceptionCase.DeciderAsync(member, dataSource, ct), context.Now);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, streamId, definition, s => Decide(command, s), ct));
    }
}
