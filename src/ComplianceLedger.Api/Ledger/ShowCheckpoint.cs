using ComplianceLedger.EventStore.Checkpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Ledger;

/// <summary>One signed checkpoint of a school's chain, by its position: where an issued checkpoint's <c>Location</c> points.</summary>
public static class ShowCheckpoint
{
    public static async Task<Results<Ok<IssueCheckpoint.CheckpointView>, ProblemHttpResult>> Handle(
        string urn, long position, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        if (position < 1 || await CheckpointIssuer.ReadAsync(dataSource, urn, position, ct) is not { } c)
        {
            return TypedResults.Problem($"School {urn} has no checkpoint at position {position}.", title: "Not found",
                statusCode: StatusCodes.Status404NotFound);
        }
        return TypedResults.Ok(new IssueCheckpoint.CheckpointView(
            c.Tenant, c.Position, Convert.ToHexStringLower(c.HeadHash), c.IssuedAt, c.KeyId, Convert.ToBase64String(c.Signature)));
    }
}
