using System.Text;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Receipts;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Receipts;

/// <summary>
/// <c>GET /api/schools/{urn}/receipts/{eventId}</c>: a person's receipt for an event they recorded,
/// as a JSON file (docs/ledger-format.md, "Receipts"), which <c>ledger verify-receipt</c> checks
/// offline. Only one's own: anyone else's is as if it did not exist.
/// </summary>
public static class DownloadReceipt
{
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Handle(
        string urn, string eventId, SchoolMember member, NpgsqlDataSource dataSource, CheckpointIssuer issuer, SigningKey key, CancellationToken ct)
    {
        if (!Guid.TryParse(eventId, out var id))
        {
            return TypedResults.Problem("eventId must be the event's id, a UUID such as 0192f1c4-7c1a-7b3e-9d2f-5a6b7c8d9e0f, as the recorded page's receipt link gives it.",
                title: "The request is not valid", statusCode: StatusCodes.Status400BadRequest);
        }
        await using var command = dataSource.CreateCommand(
            "SELECT chain_position FROM ledger.events WHERE tenant = $1 AND event_id = $2 AND actor = $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = member.Actor });
        if (await command.ExecuteScalarAsync(ct) is not long position
            || await EventReceipt.BuildAsync(dataSource, issuer, key, urn, position, ct) is not { } receipt)
        {
            return TypedResults.Problem($"You recorded no event {id:D} at this school. A receipt is for an entry of your own.",
                title: "No such receipt", statusCode: StatusCodes.Status404NotFound);
        }
        return TypedResults.File(Encoding.UTF8.GetBytes(receipt.ToJson()), "application/json", $"receipt-{urn}-{position}.json");
    }
}
