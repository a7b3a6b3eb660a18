using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Ledger;

/// <summary>Command responses carry the stream's new version as the ETag for the next If-Match.</summary>
public static class Responses
{
    public static Ok<CommandResult> Ok(HttpResponse response, CommandResult result)
    {
        Tag(response, result);
        return TypedResults.Ok(result);
    }

    public static Created<CommandResult> Created(HttpResponse response, string location, CommandResult result)
    {
        Tag(response, result);
        return TypedResults.Created(location, result);
    }

    static void Tag(HttpResponse response, CommandResult result)
    {
        response.Headers.ETag = StreamVersionTag.Quote(result.Version);
        if (result.Replayed)
        {
            response.Headers["Idempotent-Replayed"] = "true";
        }
    }
}
