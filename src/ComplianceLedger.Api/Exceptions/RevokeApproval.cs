using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>The headteacher (the chair, for the head's own) revokes an approval, with a reason.</summary>
public static class RevokeApproval
{
    public sealed record Request(string? Reason);

    public sealed record Command(Guid ItemId, string SealedReason, Decider By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, ExceptionCase state)
    {
        var revokedAs = state.DecidingAs(c.By);
        state.MustBe(CaseStatus.Approved, "revoke it");
        return [new ExceptionRevoked(c.ItemId, state.Holder, c.SealedReason, c.By.Actor, revokedAs, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid id, Request body, CommandContext context, SchoolMember member, LedgerStore store, NpgsqlDataSource dataSource,
        PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var reason = ExceptionCase.Text(body.Reason, "reason");
        var (streamId, definition, found) = await ExceptionCase.FindAsync(store, context.Tenant, id, ct);
        var command = new Command(id, await vault.SealAsync(context.Tenant, found.Holder, reason, ct),
            await ExceptionCase.DeciderAsync(member, dataSource, ct), context.Now);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, streamId, definition, s => Decide(command, s), ct));
    }
}
