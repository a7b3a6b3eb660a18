using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.SignIn;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.People;

/// <summary>
/// The office sets or changes the address a person signs in with (their school Microsoft or
/// Google account). Like the name, the address is sealed with the person's own key and found by
/// its blind index (<see cref="SignInEmails"/>); it is never kept or logged in the clear. The
/// same address again records nothing.
/// </summary>
public static class SetSignInEmail
{
    public sealed record Request(string? Email);

    public sealed record Command(Guid PersonId, EnrolPerson.SealedEmail Email, string By, DateTimeOffset Now);

    /// <summary>Whether the person has a sign-in email, and the address when it still opens (not after erasure).</summary>
    public sealed record View(Guid PersonId, bool Set, string? Email);

    public const string InvalidEmail =
        "email must be the address they sign in with at work, with one @ and no spaces, for example a.teacher@school.sch.uk.";

    public static IReadOnlyList<object> Decide(Command c, Person state)
    {
        state.MustBeCurrent();
        return state.EmailIndex == c.Email.Index ? [] : [new PersonSignInEmailSet(c.PersonId, c.Email.Sealed, c.Email.Index, c.By, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid personId, Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, SignInEmails emails,
        NpgsqlDataSource dataSource, HttpResponse response, CancellationToken ct)
    {
        if (!SignInEmails.IsValid(body.Email))
        {
            throw CommandRefusedException.Invalid(InvalidEmail);
        }
        var streamId = Person.StreamId(personId);
        if (StreamHandler.RetryResult(context, streamId) is { } replayed)
        {
            return Responses.Ok(response, replayed);
        }
        var read = new List<StoredEvent>();
        await foreach (var stored in store.ReadStreamAsync(context.Tenant, streamId, ct: ct))
        {
            read.Add(stored);
        }
        var (state, version) = StreamHandler.Fold(Person.Stream, read);
        if (context.ExpectedVersion is { } expected && expected != version)
        {
            throw new WrongExpectedVersionException(streamId, ExpectedVersion.Exactly(expected), version);
        }
        // Refused before sealing: sealing would make a key for someone never enrolled, or a leaver.
        state.MustBeCurrent();
        var index = emails.Index(body.Email!);
        if (state.EmailIndex == index)
        {
            // Already theirs: nothing to record, and the answer is the record as it stands.
            return Responses.Ok(response, new CommandResult(streamId, version, [], Replayed: false));
        }
        if (read.Select(EventTypes.FromStored).OfType<PersonEnrolled>().FirstOrDefault() is { } enrolled
            && await vault.OpenAsync(context.Tenant, enrolled.SealedName, ct) is null)
        {
            throw CommandRefusedException.Conflict("This person's personal details were erased, so no sign-in email can be recorded for them.");
        }
        var email = await EnrolPerson.SealEmailAsync(dataSource, vault, emails, context.Tenant, personId, body.Email!, ct);
        var command = new Command(personId, email, context.Actor, context.Now);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, streamId, Person.Stream, read,
            s => Decide(command, s) is { Count: > 0 } events
                ? events
                : throw CommandRefusedException.Conflict("Someone set this same sign-in email for them a moment ago: it is set."), ct));
    }

    /// <summary>The person's sign-in email, opened: for the office (the address is personal data, shown to no one else).</summary>
    public static async Task<Ok<View>> Show(string urn, Guid personId, NpgsqlDataSource dataSource, PersonalDataVault vault, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT e.sealed_email FROM rm.people p
              LEFT JOIN rm.sign_in_emails e ON e.tenant = p.tenant AND e.person_id = p.person_id
             WHERE p.tenant = $1 AND p.person_id = $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
        string? sealedEmail;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                throw CommandRefusedException.NotFound("No such person at this school.");
            }
            sealedEmail = reader.IsDBNull(0) ? null : reader.GetString(0);
        }
        return TypedResults.Ok(new View(personId, sealedEmail is not null, sealedEmail is null ? null : await vault.OpenAsync(urn, sealedEmail, ct)));
    }
}
