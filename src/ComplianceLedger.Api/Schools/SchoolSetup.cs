using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;

namespace ComplianceLedger.Api.Schools;

/// <summary>
/// Operator actions that come before a school has anyone to sign in: registering it and
/// enrolling its first people. Used by the CLI (seed-demo) and by tests; the same decisions
/// as the endpoints.
/// </summary>
public sealed class SchoolSetup(LedgerStore store, PersonalDataVault vault, TimeProvider time, SignIn.SignInEmails emails, Npgsql.NpgsqlDataSource dataSource)
{
    public async Task<CommandResult> RegisterAsync(
        string urn, string name, string? trustId, string? trustName, IReadOnlyList<string> emailDomains, string? handleTag,
        string actor, CancellationToken ct = default)
    {
        var context = CommandContext.ForOperator(urn, actor, time.GetUtcNow());
        var command = new RegisterSchool.Command(urn, name, trustId, trustName, emailDomains, handleTag, actor, context.Now);
        return await StreamHandler.HandleAsync(store, context, School.StreamId, School.Stream, s => RegisterSchool.Decide(command, s), ct);
    }

    public Task<Guid> EnrolAsync(string urn, string name, IReadOnlyList<Role> roles, DateOnly startedOn, string actor, CancellationToken ct = default) =>
        EnrolAsync(urn, name, roles, startedOn, actor, null, ct);

    /// <param name="email">The address they sign in with (null: none yet).</param>
    public async Task<Guid> EnrolAsync(
        string urn, string name, IReadOnlyList<Role> roles, DateOnly startedOn, string actor, string? email, CancellationToken ct = default)
    {
        var context = CommandContext.ForOperator(urn, actor, time.GetUtcNow());
        var personId = Guid.CreateVersion7(context.Now);
        var sealedEmail = email is null ? null : await EnrolPerson.SealEmailAsync(dataSource, vault, emails, urn, personId, email, ct);
        var command = new EnrolPerson.Command(personId, await vault.SealAsync(urn, personId, name, ct), roles, startedOn, actor, context.Now, sealedEmail);
        await StreamHandler.HandleAsync(store, context, Person.StreamId(personId), Person.Stream, s => EnrolPerson.Decide(command, s), ct);
        return personId;
    }
}
