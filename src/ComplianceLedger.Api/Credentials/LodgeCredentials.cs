using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Credentials;

/// <summary>
/// Lodges an account's login with a leadership custodian (headteacher, DSL or SLT) for
/// emergencies and monitoring: who holds it and the vault entry where it is kept, never the secret.
/// </summary>
public static class LodgeCredentials
{
    public sealed record Request(Guid? CustodianId, string? VaultReference);

    /// <summary>The vault reference arrives sealed (<see cref="VaultReference.SealAsync"/>).</summary>
    public sealed record Command(Guid AccountId, Guid CustodianId, string SealedVaultReference, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, Account account, Person custodian, Custody state)
    {
        account.MustBeOpen();
        CheckCustodian(custodian);
        if (state.Custodians.Contains(c.CustodianId))
        {
            throw CommandRefusedException.Conflict("This person already holds the account's credentials.");
        }
        return [new CredentialsLodged(c.AccountId, c.CustodianId, c.SealedVaultReference, c.By, c.Now)];
    }

    /// <summary>A custodian is leadership now: at the school, and headteacher, DSL or SLT.</summary>
    public static void CheckCustodian(Person custodian)
    {
        if (!custodian.Enrolled || custodian.Left || !custodian.Roles.Any(Roles.Leadership.Contains))
        {
            throw CommandRefusedException.Invalid("custodianId must be a current headteacher, DSL or member of SLT.");
        }
    }

    public static async Task<Created<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, HttpResponse response,
        CancellationToken ct)
    {
        var custodianId = AccountInput.Required(body.CustodianId, "custodianId");
        var reference = AccountInput.Text(body.VaultReference, "vaultReference", 200);
        var (account, _) = await StreamHandler.LoadAsync(store, context.Tenant, Account.StreamId(accountId), Account.Stream, ct);
        var (custodian, _) = await StreamHandler.LoadAsync(store, context.Tenant, Person.StreamId(custodianId), Person.Stream, ct);
        var (custody, _) = await StreamHandler.LoadAsync(store, context.Tenant, Custody.StreamId(accountId), Custody.Stream, ct);
        // Checked before sealing, so nothing is sealed for a refused request.
        Decide(new Command(accountId, custodianId, "", context.Actor, context.Now), account, custodian, custody);
        var command = new Command(accountId, custodianId, await VaultReference.SealAsync(vault, context.Tenant, reference, ct), context.Actor, context.Now);
        var result = await StreamHandler.HandleAsync(store, context, Custody.StreamId(accountId), Custody.Stream,
            s => Decide(command, account, custodian, s), ct);
        return Responses.Created(response, $"/api/schools/{context.Tenant}/official-accounts/{accountId}", result);
    }
}
