using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.People;

/// <summary>
/// The school's people with their names opened (an erased person shows as such: "erased under
/// retention" when the retention table erased them, else "(erased)"). Roles are those
/// in effect on the day asked about (a change recorded for a later date shows from that date);
/// <c>onLeaveFrom</c> is the first day of a leave in progress or ahead, until the return's date.
/// </summary>
public static class ListPeople
{
    public sealed record PersonView(Guid PersonId, string Name, IReadOnlyList<string> Roles, DateOnly StartedOn, DateOnly? LeftOn, DateOnly? OnLeaveFrom);

    public const string Erased = "(erased)";

    public static async Task<Ok<Listing<PersonView>>> Handle(
        string urn, ReadModelReader readModels, PersonalDataVault vault, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        var rows = new List<(Guid Id, string Sealed, string[] Roles, DateOnly Started, DateOnly? Left, DateOnly? Leave)>();
        await using (var command = scope.Command($"""
            SELECT p.person_id, p.sealed_name, {PeopleSql.RolesOn("$2")}, p.started_on, p.left_on, {PeopleSql.LeaveFromOn("$2")}
              FROM rm.people p WHERE p.tenant = $1 ORDER BY p.started_on, p.person_id
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = scope.On });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add((reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetFieldValue<DateOnly>(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateOnly>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateOnly>(5)));
            }
        }
        var names = await vault.OpenAsync(urn, rows.Select(r => r.Sealed), ct);
        // An erased name says whether retention erased it.
        var erased = await Retention.ErasedWords.ForAsync(vault, urn, names.Where(n => n.Value is null).Select(n => n.Key), ct);
        PersonView[] people = [.. rows.Select(r => new PersonView(r.Id, names[r.Sealed] ?? erased[r.Sealed], r.Roles, r.Started, r.Left, r.Leave))];
        return TypedResults.Ok(new Listing<PersonView>(scope.AsOf, people));
    }
}
