using ComplianceLedger.EventStore.Checkpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Ledger;

/// <summary>One signed checkpoint of a school's chain, by its position: where an issued checkpoint's <c>Location</c> points.</summary>
public static class ShowCheckpoint
{
    public static async Task<Results<Ok<IssueCheckpoint.CheckpointView>, ProblemHttpResult>> Handle(
        string urn, string position, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        // Read as text, so anything else is a 400 in words rather than a route that does not exist.
        if (!long.TryParse(position, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var at) || at < 1)
        {
            return TypedResults.Problem("position must be a chain position: a whole number from 1, as in the checkpoint's Location.",
                title: "The request is not valid", statusCode: StatusCodes.Status400BadRequest);
        }
        if (await CheckpointIssuer.ReadAsync(dataSource, urn, at, ct) is not { } c)
        {
            return TypedResults.Problem($"School {urn} has no checkpoint at position {at}.", title: "Not found",
                statusCode: StatusCodes.Status404NotFound);
        }
        return TypedResults.Ok(IssueCheckpoint.CheckpointView.Of(c));
    }
}
