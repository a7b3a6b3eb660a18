using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.People;

/// <summary>
/// One person of the school, name opened: where an enrolment's <c>Location</c> points. Readable
/// by those who read the people list, and by the person themselves.
/// </summary>
public static class ShowPerson
{
    public static async Task<Ok<Entry<ListPeople.PersonView>>> Handle(
        string urn, Guid personId, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, LedgerStore store,
        HttpResponse response, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        if (personId != member.PersonId && !member.Holds(PeopleEndpoints.Readers))
        {
            throw new CommandRefusedException(StatusCodes.Status403Forbidden, "Not permitted for your role",
                "You may read your own record; anyone's needs one of: " + string.Join(", ", PeopleEndpoints.Readers.Distinct().Select(Roles.Name)) + ".");
        }
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        await using var command = scope.Command($"""
            SELECT p.sealed_name, {PeopleSql.RolesOn("$3")}, p.started_on, p.left_on, {PeopleSql.LeaveFromOn("$3")}
              FROM rm.people p WHERE p.tenant = $1 AND p.person_id = $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = scope.On });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw CommandRefusedException.NotFound("No such person at this school.");
        }
        var (sealedName, roles, started) = (reader.GetString(0), reader.GetFieldValue<string[]>(1), reader.GetFieldValue<DateOnly>(2));
        DateOnly? left = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateOnly>(3);
        DateOnly? leave = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateOnly>(4);
        await reader.DisposeAsync();
        var name = await vault.OpenAsync(urn, sealedName, ct)
            ?? (await Retention.ErasedWords.ForAsync(vault, urn, [sealedName], ct))[sealedName];
        if (scope.AsOf.Live && await store.GetStreamVersionAsync(urn, Person.StreamId(personId), ct) is { } version)
        {
            // The person stream's version, for If-Match on their roles, leave and leaving.
            response.Headers.ETag = StreamVersionTag.Quote(version);
        }
        return TypedResults.Ok(new Entry<ListPeople.PersonView>(scope.AsOf,
            new ListPeople.PersonView(personId, name, roles, started, left, leave)));
    }
}
