using System.Text.Json;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Projections.Rules;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

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

    /// <summary>An account on the register, not decommissioned, with the same platform and handle.</summary>
    public sealed record SameAccount(Guid AccountId, string Handle);

    /// <summary>
    /// The register already holds this account: answered 409, naming the existing record. A refusal
    /// like any other, so a keyed retry that raced its own first attempt gets that attempt's result.
    /// </summary>
    public sealed class AlreadyRegisteredException(SameAccount existing, string detail)
        : CommandRefusedException(StatusCodes.Status409Conflict, "Already on the register", detail)
    {
        public SameAccount Existing { get; } = existing;
    }

    /// <summary>Registers without looking for the same account (the demo, whose accounts differ); the read model's index still refuses one.</summary>
    public static IReadOnlyList<object> Decide(Command c, School school, Person owner, Account state) => Decide(c, school, owner, null, state);

    public static IReadOnlyList<object> Decide(Command c, School school, Person owner, SameAccount? sameAccount, Account state)
    {
        if (state.Registered)
        {
            throw CommandRefusedException.Conflict("This account is already registered.");
        }
        if (!school.Registered)
        {
            throw CommandRefusedException.NotFound("The school is not registered.");
        }
        if (AccountHandles.UrlMismatch(PlatformName(c.Platform), c.Handle, c.Url) is { } mismatch)
        {
            throw CommandRefusedException.Invalid(mismatch);
        }
        if (sameAccount is not null)
        {
            throw new AlreadyRegisteredException(sameAccount, AlreadyRegisteredDetail(c.Platform, sameAccount));
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

    /// <summary>The platform as the ledger writes it (<c>class-dojo</c>).</summary>
    public static string PlatformName(Platform platform) => JsonNamingPolicy.KebabCaseLower.ConvertName(platform.ToString());

    public static async Task<Results<Created<CommandResult>, ProblemHttpResult>> Handle(
        Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, NpgsqlDataSource dataSource, HttpResponse response,
        CancellationToken ct)
    {
        var platform = AccountInput.Required(body.Platform, "platform");
        var handle = AccountInput.Handle(body.Handle);
        var url = AccountInput.Url(body.Url, "url");
        var purpose = AccountInput.Text(body.Purpose, "purpose", 1000);
        var outcomes = AccountInput.Text(body.IntendedOutcomes, "intendedOutcomes", 1000);
        var ownerId = AccountInput.Required(body.OwnerId, "ownerId");
        var email = AccountInput.Text(body.RegistrationEmail, "registrationEmail", 254);
        var domain = AccountInput.EmailDomain(email);
        // Checked before anything is sealed, so a refused registration makes no key.
        if (AccountHandles.UrlMismatch(PlatformName(platform), handle, url) is { } mismatch)
        {
            throw CommandRefusedException.Invalid(mismatch);
        }

        var (school, _) = await StreamHandler.LoadAsync(store, context.Tenant, School.StreamId, School.Stream, ct);
        var (owner, _) = await StreamHandler.LoadAsync(store, context.Tenant, Person.StreamId(ownerId), Person.Stream, ct);
        CheckOwner(owner);
        try
        {
            var sameAccount = await SameAccountAsync(dataSource, context.Tenant, platform, handle, ct);
            if (sameAccount is not null && context.CommandId is null)
            {
                // Refused before sealing; a retry with an Idempotency-Key goes on to get its first answer.
                return AlreadyRegistered(context.Tenant, sameAccount, AlreadyRegisteredDetail(platform, sameAccount));
            }
            var accountId = Guid.CreateVersion7(context.Now);
            var sealedEmail = await vault.SealAsync(context.Tenant, ownerId, email, ct);
            var command = new Command(accountId, platform, handle, url, purpose, outcomes, ownerId, sealedEmail, domain, context.Actor, context.Now);
            var result = await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
                s => Decide(command, school, owner, sameAccount, s), ct);
            return Responses.Created(response, $"/api/schools/{context.Tenant}/official-accounts/{result.StreamId["account-".Length..]}", result);
        }
        catch (AlreadyRegisteredException e)
        {
            return AlreadyRegistered(context.Tenant, e.Existing, e.Message);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == LiveHandleIndex)
        {
            // Registered at the same moment by someone else: theirs committed first.
            var existing = await SameAccountAsync(dataSource, context.Tenant, platform, handle, ct)
                ?? throw CommandRefusedException.Conflict("This account was registered at the same moment; reload the register.");
            return AlreadyRegistered(context.Tenant, existing, AlreadyRegisteredDetail(platform, existing));
        }
    }

    /// <summary>The read model's unique index of live accounts by platform and handle (165_official_account_handles.sql).</summary>
    public const string LiveHandleIndex = "official_accounts_live_handle";

    static string AlreadyRegisteredDetail(Platform platform, SameAccount existing) =>
        $"{existing.Handle} on {AuditLines.PlatformName(PlatformName(platform))} is already on the register (account {existing.AccountId:D}). "
        + "Change that record, or decommission it before registering the account again.";

    static ProblemHttpResult AlreadyRegistered(string tenant, SameAccount existing, string detail) =>
        TypedResults.Problem(detail, title: "Already on the register", statusCode: StatusCodes.Status409Conflict,
            extensions: new Dictionary<string, object?>
            {
                ["existingAccountId"] = existing.AccountId,
                ["existingAccount"] = $"/api/schools/{tenant}/official-accounts/{existing.AccountId:D}",
            });

    /// <summary>The account on the register (not decommissioned) with this platform and handle, read from the inline read model.</summary>
    static async Task<SameAccount?> SameAccountAsync(NpgsqlDataSource dataSource, string tenant, Platform platform, string handle, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT account_id, handle FROM rm.official_accounts
             WHERE tenant = $1 AND platform = $2 AND handle_key = $3 AND decommissioned_on IS NULL
             ORDER BY registered_position LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PlatformName(platform) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = AccountHandles.Key(handle) });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new SameAccount(reader.GetGuid(0), reader.GetString(1)) : null;
    }
}
