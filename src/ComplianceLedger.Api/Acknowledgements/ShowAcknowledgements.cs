using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Acknowledgements;

/// <summary>
/// A person's acknowledgements and refusals, policy by policy and version by version: where an
/// acknowledgement's <c>Location</c> points. The person reads their own; whoever records paper
/// acknowledgements (office, SLT, head) and the dashboard's readers read anyone's.
/// </summary>
public static class ShowAcknowledgements
{
    public sealed record AcknowledgementLine(string PolicyId, string VersionLabel, string Outcome, DateTimeOffset At, string? Method, long Position);

    static readonly Role[] Readers = [Role.Office, .. Roles.DashboardReaders];

    public static async Task<Ok<Listing<AcknowledgementLine>>> Handle(
        string urn, Guid personId, SchoolMember member, ReadModelReader readModels, LedgerStore store, HttpResponse response, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        if (personId != member.PersonId && !member.Holds(Readers))
        {
            throw new CommandRefusedException(StatusCodes.Status403Forbidden, "Not permitted for your role",
                "You may read your own acknowledgements; anyone's need one of: " + string.Join(", ", Readers.Distinct().Select(Roles.Name)) + ".");
        }
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        await using (var person = scope.Command("SELECT 1 FROM rm.people WHERE tenant = $1 AND person_id = $2"))
        {
            person.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            person.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
            if (await person.ExecuteScalarAsync(ct) is null)
            {
                throw CommandRefusedException.NotFound("No such person at this school.");
            }
        }
        var lines = new List<AcknowledgementLine>();
        await using (var command = scope.Command("""
            SELECT policy_id, version_label, outcome, at, method, position FROM rm.acknowledgements
             WHERE tenant = $1 AND person_id = $2 ORDER BY position
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                lines.Add(new AcknowledgementLine(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                    reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5)));
            }
        }
        if (scope.AsOf.Live && await store.GetStreamVersionAsync(urn, AcknowledgementRecord.StreamId(personId), ct) is { } version)
        {
            // The acknowledgements stream's version, for If-Match on the person's next acknowledgement.
            response.Headers.ETag = StreamVersionTag.Quote(version);
        }
        return TypedResults.Ok(new Listing<AcknowledgementLine>(scope.AsOf, lines));
    }
}
