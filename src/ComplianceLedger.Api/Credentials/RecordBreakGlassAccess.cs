using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Credentials;

/// <summary>A custodian records that they opened the vault entry (break-glass), and why. Only for themselves.</summary>
public static class RecordBreakGlassAccess
{
    public sealed record Request(string? Reason);

    public static IReadOnlyList<object> Decide(Guid accountId, Guid custodianId, string sealedReason, DateTimeOffset now, Account account, Custody state)
    {
        if (!account.Registered)
        {
            throw CommandRefusedException.NotFound("No such official account at this school.");
        }
        if (!state.Custodians.Contains(custodianId))
        {
            throw CommandRefusedException.Forbidden("Only a custodian of this account's credentials records break-glass access, for themselves.");
        }
        return [new CredentialsAccessed(accountId, custodianId, sealedReason, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var reason = AccountInput.Text(body.Reason, "reason", 2000);
        var custodian = context.Person;
        var (account, _) = await StreamHandler.LoadAsync(store, context.Tenant, Account.StreamId(accountId), Account.Stream, ct);
        var (custody, _) = await StreamHandler.LoadAsync(store, context.Tenant, Custody.StreamId(accountId), Custody.Stream, ct);
        // Checked before sealing, so nothing is sealed for a refused request.
        Decide(accountId, custodian, "", context.Now, account, custody);
        var sealedReason = await vault.SealAsync(context.Tenant, custodian, reason, ct);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Custody.StreamId(accountId), Custody.Stream,
            s => Decide(accountId, custodian, sealedReason, context.Now, account, s), ct));
    }
}
