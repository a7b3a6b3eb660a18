using System.Text.Json;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Ledger;

/// <summary>
/// Appends events to one of a school's streams. <c>If-Match: "n"</c> expects version n,
/// <c>If-None-Match: *</c> expects a new stream; <c>Idempotency-Key</c> makes a retry safe.
/// </summary>
public static class AppendEvents
{
    public const long MaxBodyBytes = 1024 * 1024;

    public sealed record Body(string? StreamType, IReadOnlyList<EventBody>? Events);

    public sealed record EventBody(string? Type, JsonElement Data);

    public sealed record Response(long StreamVersion, bool Replayed, IReadOnlyList<AppendedEvent> Events);

    public static async Task<Results<Created<Response>, ProblemHttpResult>> Handle(
        string urn, string streamId, Body body, SchoolMember member, HttpRequest request, HttpResponse response, LedgerStore store, CancellationToken ct)
    {
        if (ExpectedVersionFrom(request.Headers) is not { } expected)
        {
            return Problem("Bad precondition", "If-Match must be a quoted stream version such as \"3\"; If-None-Match may only be *.");
        }
        if (string.IsNullOrWhiteSpace(body.StreamType))
        {
            return Problem("Missing fields", "streamType is required.");
        }
        if (body.Events is not { Count: > 0 })
        {
            return Problem("No events", "events must hold at least one event.");
        }

        var events = new List<NewEvent>(body.Events.Count);
        foreach (var (e, i) in body.Events.Select((e, i) => (e, i)))
        {
            if (string.IsNullOrWhiteSpace(e.Type) || e.Data.ValueKind == JsonValueKind.Undefined)
            {
                return Problem("Missing fields", $"events[{i}] needs a type and data.");
            }
            if (EventTypes.Validate(e.Type, e.Data) is { } invalid)
            {
                return Problem("The event is not acceptable", $"events[{i}]: {invalid}");
            }
            events.Add(new NewEvent(e.Type, e.Data.GetRawText()));
        }

        // Scoped to this person and operation and fingerprinted, like every command's key.
        var (commandId, fingerprint) = IdempotencyKey.For(request.HttpContext, urn, member.Actor);
        AppendResult result;
        try
        {
            result = await store.AppendAsync(new AppendRequest(
                urn, streamId, body.StreamType, expected, events,
                new EventMetadata(member.Actor, System.Diagnostics.Activity.Current?.TraceId.ToString(), null, commandId))
            { RequestFingerprint = fingerprint }, ct);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation && e.ConstraintName == OfficialAccounts.RegisterAccount.LiveHandleIndex)
        {
            // An inline read model's unique rule (an official account registered twice): nothing was appended.
            return TypedResults.Problem("The events would register a record that is already on the school's register; nothing was appended.",
                title: "Already on the register", statusCode: StatusCodes.Status409Conflict);
        }

        response.Headers.ETag = StreamVersionTag.Quote(result.StreamVersion);
        if (result.Replayed)
        {
            response.Headers["Idempotent-Replayed"] = "true";
        }
        return TypedResults.Created($"/api/schools/{urn}/streams/{Uri.EscapeDataString(streamId)}",
            new Response(result.StreamVersion, result.Replayed, result.Events));
    }

    static ExpectedVersion? ExpectedVersionFrom(IHeaderDictionary headers)
    {
        var ifMatch = headers.IfMatch.ToString();
        var ifNoneMatch = headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0)
        {
            return ifNoneMatch == "*" && ifMatch.Length == 0 ? ExpectedVersion.NoStream : null;
        }
        if (ifMatch.Length == 0)
        {
            return ExpectedVersion.Any;
        }
        return StreamVersionTag.TryParse(ifMatch, out var version) && version > 0 ? ExpectedVersion.Exactly(version) : null;
    }

    static ProblemHttpResult Problem(string title, string detail) =>
        TypedResults.Problem(detail, title: title, statusCode: StatusCodes.Status400BadRequest);
}
