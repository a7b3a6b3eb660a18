using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Credentials;

/// <summary>The account's login was changed, and why: after the owner or a custodian left, on schedule, or on suspected compromise.</summary>
public static class RotateCredentials
{
    public sealed record Request(RotationReason? Reason, DateOnly? RotatedOn, string? VaultReference);

    public static IReadOnlyList<object> Decide(
        Guid accountId, RotationReason reason, DateOnly rotatedOn, string? sealedVaultReference, string by, DateTimeOffset now, Account account, Custody state)
    {
        // A decommissioned account may still have its login changed, e.g. before it is deleted.
        if (!account.Registered)
        {
            throw CommandRefusedException.NotFound("No such official account at this school.");
        }
        AccountInput.NotInFuture(rotatedOn, now, "rotatedOn");
        return [new CredentialsRotated(accountId, reason, rotatedOn, sealedVaultReference, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, HttpResponse response,
        CancellationToken ct)
    {
        var reason = AccountInput.Required(body.Reason, "reason");
        var on = AccountInput.Required(body.RotatedOn, "rotatedOn");
        var reference = AccountInput.OptionalText(body.VaultReference, "vaultReference", 200);
        var (account, _) = await StreamHandler.LoadAsync(store, context.Tenant, Account.StreamId(accountId), Account.Stream, ct);
        // Checked before sealing, so nothing is sealed for a refused request.
        Decide(accountId, reason, on, null, context.Actor, context.Now, account, Custody.Stream.Initial);
        var sealedReference = reference is null ? null : await VaultReference.SealAsync(vault, context.Tenant, reference, ct);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Custody.StreamId(accountId), Custody.Stream,
            s => Decide(accountId, reason, on, sealedReference, context.Actor, context.Now, account, s), ct));
    }
}
