using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.People;

/// <summary>Enrols a member of staff, governor, volunteer or contractor. Their name is sealed with their own key.</summary>
public static class EnrolPerson
{
    /// <param name="Email">Optional: the address they sign in with (their school account's).</param>
    public sealed record Request(string? Name, IReadOnlyList<Role>? Roles, DateOnly? StartedOn, string? Email = null);

    /// <summary>A sign-in email as the ledger records it: sealed, and its blind index.</summary>
    public sealed record SealedEmail(string Sealed, string Index);

    public sealed record Command(
        Guid PersonId, string SealedName, IReadOnlyList<Role> Roles, DateOnly StartedOn, string By, DateTimeOffset Now, SealedEmail? Email = null);

    public static IReadOnlyList<object> Decide(Command c, Person state)
    {
        if (state.Enrolled)
        {
            throw CommandRefusedException.Conflict("This person is already enrolled.");
        }
        CheckRoles(c.Roles);
        var enrolled = new PersonEnrolled(c.PersonId, c.SealedName, [.. c.Roles.Distinct()], c.StartedOn, c.By, c.Now);
        return c.Email is { } email
            ? [enrolled, new PersonSignInEmailSet(c.PersonId, email.Sealed, email.Index, c.By, c.Now)]
            : [enrolled];
    }

    public static void CheckRoles(IReadOnlyList<Role> roles)
    {
        if (roles.Count == 0)
        {
            throw CommandRefusedException.Invalid("A person needs at least one role.");
        }
    }

    public static async Task<Created<CommandResult>> Handle(
        Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, SignIn.SignInEmails emails, Npgsql.NpgsqlDataSource dataSource,
        Scheduling.ScheduledWork work, HttpResponse response, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 200 || body.Roles is null || body.StartedOn is null)
        {
            throw CommandRefusedException.Invalid("name (up to 200 characters), roles and startedOn are required.");
        }
        if (body.Email is not null && !SignIn.SignInEmails.IsValid(body.Email))
        {
            throw CommandRefusedException.Invalid("email, when given, is the address they sign in with, e.g. a.teacher@school.sch.uk.");
        }
        var personId = Guid.CreateVersion7(context.Now);
        // A retry is answered before sealing: sealing would make a key for an id never enrolled.
        var result = StreamHandler.RetryResult(context, Person.StreamId(personId));
        if (result is null)
        {
            var email = body.Email is null ? null : await SealEmailAsync(dataSource, vault, emails, context.Tenant, personId, body.Email, ct);
            var sealedName = await vault.SealAsync(context.Tenant, personId, body.Name.Trim(), ct);
            var command = new Command(personId, sealedName, body.Roles, body.StartedOn.Value, context.Actor, context.Now, email);
            // Asked to acknowledge what their roles must, from their first day (docs/notifications.md).
            result = await StreamHandler.HandleAsync(store, context, Person.StreamId(personId), Person.Stream, s => Decide(command, s),
                (session, _) => Notices.AcknowledgementReminders.OnPersonChangedAsync(session, work, dataSource, context.Tenant, personId, command.StartedOn, context.Now), ct);
        }
        // A retry returns the person the first attempt enrolled, not the id this attempt drew.
        return Responses.Created(response, $"/api/schools/{context.Tenant}/people/{result.StreamId["person-".Length..]}", result);
    }

    /// <summary>
    /// Seals the address with the person's key and indexes it. One address names one current person
    /// of a school (the same address at two schools is one person at both, and sign-in asks which);
    /// a leaver's address may be given to someone new, whose row then replaces theirs.
    /// </summary>
    public static async Task<SealedEmail> SealEmailAsync(
        Npgsql.NpgsqlDataSource dataSource, PersonalDataVault vault, SignIn.SignInEmails emails, string tenant, Guid personId, string email,
        CancellationToken ct)
    {
        var index = emails.Index(email);
        await using var command = dataSource.CreateCommand($"""
            SELECT e.person_id FROM rm.sign_in_emails e
              JOIN rm.people p ON p.tenant = e.tenant AND p.person_id = e.person_id
             WHERE e.email_index = $1 AND e.tenant = $2 AND (p.left_on IS NULL OR p.left_on > {SchoolDay.TodaySql})
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = index });
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = tenant });
        if (await command.ExecuteScalarAsync(ct) is Guid other && other != personId)
        {
            throw CommandRefusedException.Conflict("Another person at this school already signs in with that email.");
        }
        return new SealedEmail(await vault.SealAsync(tenant, personId, SignIn.SignInEmails.Normalise(email), ct), index);
    }
}
