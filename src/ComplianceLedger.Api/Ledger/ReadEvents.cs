using System.Text.Json;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Ledger;

/// <summary>Reads a school's events. Another school's stream is simply not found.</summary>
public static class ReadEvents
{
    public sealed record EventView(
        long ChainPosition, string StreamId, long StreamVersion, Guid EventId, string Type, JsonElement Data,
        string Actor, string? CorrelationId, string? CausationId, string? CommandId, DateTimeOffset RecordedAt, string Hash)
    {
        public static EventView From(StoredEvent e) => new(
            e.ChainPosition, e.StreamId, e.StreamVersion, e.EventId, e.EventType, JsonDocument.Parse(e.Data).RootElement,
            e.Actor, e.CorrelationId, e.CausationId, e.CommandId, e.RecordedAt, Convert.ToHexStringLower(e.Hash));
    }

    public sealed record StreamView(string StreamId, long Version, IReadOnlyList<EventView> Events);

    public static async Task<Results<Ok<StreamView>, ProblemHttpResult>> Stream(
        string urn, string streamId, HttpResponse response, LedgerStore store, CancellationToken ct)
    {
        var events = await store.ReadStreamAsync(urn, streamId, ct: ct).Select(EventView.From).ToListAsync(ct);
        if (events.Count == 0)
        {
            return TypedResults.Problem($"School {urn} has no stream {Hosting.ProblemWords.Echo(streamId)}.", title: "No such stream", statusCode: StatusCodes.Status404NotFound);
        }
        response.Headers.ETag = StreamVersionTag.Quote(events[^1].StreamVersion);
        return TypedResults.Ok(new StreamView(streamId, events[^1].StreamVersion, events));
    }

    public static async Task<Results<Ok<IReadOnlyList<EventView>>, ProblemHttpResult>> Tenant(
        string urn, LedgerStore store, CancellationToken ct, long after = 0, int limit = 100)
    {
        if (after < 0 || limit is < 1 or > 1000)
        {
            return TypedResults.Problem("after must be 0 or more and limit between 1 and 1000.", statusCode: StatusCodes.Status400BadRequest);
        }
        IReadOnlyList<EventView> events = await store.ReadTenantAsync(urn, after, limit, ct).Select(EventView.From).ToListAsync(ct);
        return TypedResults.Ok(events);
    }
}
