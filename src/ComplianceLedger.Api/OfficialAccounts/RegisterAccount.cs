using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.Projections.Rules;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>
/// Registers an official channel: platform, handle, URL, purpose and intended outcomes, its owner
/// and the email address it is registered with.
/// </summary>
/// <remarks>
/// A personal email or a handle without the school's tag is recorded, not refused. Schools
/// register the accounts they already have, compliant or not; refusing would keep a real account
/// off the register and out of the head's sight. The event notes what the school's rules said,
/// and the dashboard flags it for attention until it is put right.
/// </remarks>
public static class RegisterAccount
{
    public sealed record Request(
        Platform? Platform, string? Handle, string? Url, string? Purpose, string? IntendedOutcomes, Guid? OwnerId, string? RegistrationEmail);

    public sealed record Command(
        Guid AccountId, Platform Platform, string Handle, string Url, string Purpose, string IntendedOutcomes, Guid OwnerId,
        string SealedRegistrationEmail, string RegistrationEmailDomain, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, School school, Person owner, Account state)
    {
        if (state.Registered)
        {
            throw CommandRefusedException.Conflict("This account is already registered.");
        }
        if (!school.Registered)
        {
            throw CommandRefusedException.NotFound("The school is not registered.");
        }
        CheckOwner(owner);
        List<RegistrationConcern> concerns = [];
        if (school.EmailDomains.Count > 0 && !OfficialAccountRules.IsSchoolEmailDomain(c.RegistrationEmailDomain, school.EmailDomains))
        {
            concerns.Add(RegistrationConcern.PersonalEmail);
        }
        if (school.HandleTag is { } tag && !OfficialAccountRules.CarriesTag(c.Handle, tag))
        {
            concerns.Add(RegistrationConcern.HandleWithoutTag);
        }
        return [new AccountRegistered(c.AccountId, c.Platform, c.Handle, c.Url, c.Purpose, c.IntendedOutcomes, c.OwnerId,
            c.SealedRegistrationEmail, c.RegistrationEmailDomain, concerns, c.By, c.Now)];
    }

    /// <summary>An owner is someone at the school now.</summary>
    public static void CheckOwner(Person owner)
    {
        if (!owner.Enrolled || owner.Left)
        {
            throw CommandRefusedException.Invalid("ownerId must be a current member of the school.");
        }
    }

    public static async Task<Created<CommandResult>> Handle(
        Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var platform = AccountInput.Required(body.Platform, "platform");
        var handle = AccountInput.Handle(body.Handle);
        var url = AccountInput.Url(body.Url, "url");
        var purpose = AccountInput.Text(body.Purpose, "purpose", 1000);
        var outcomes = AccountInput.Text(body.IntendedOutcomes, "intendedOutcomes", 1000);
        var ownerId = AccountInput.Required(body.OwnerId, "ownerId");
        var email = AccountInput.Text(body.RegistrationEmail, "registrationEmail", 254);
        var domain = AccountInput.EmailDomain(email);

        var (school, _) = await StreamHandler.LoadAsync(store, context.Tenant, School.StreamId, School.Stream, ct);
        var (owner, _) = await StreamHandler.LoadAsync(store, context.Tenant, Person.StreamId(ownerId), Person.Stream, ct);
        // Checked before sealing, so no key is made for someone who is not here.
        CheckOwner(owner);
        var accountId = Guid.CreateVersion7(context.Now);
        var sealedEmail = await vault.SealAsync(context.Tenant, ownerId, email, ct);
        var command = new Command(accountId, platform, handle, url, purpose, outcomes, ownerId, sealedEmail, domain, context.Actor, context.Now);
        var result = await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
            s => Decide(command, school, owner, s), ct);
        // A retry returns the account the first attempt registered, not the id this attempt drew.
        return Responses.Created(response, $"/api/schools/{context.Tenant}/official-accounts/{result.StreamId["account-".Length..]}", result);
    }
}
