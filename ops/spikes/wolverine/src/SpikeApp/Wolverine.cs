using System.Collections.Concurrent;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace SpikeApp;

public sealed record RequestBody(string Holder, string Description);
public sealed record ApproveBody(DateTimeOffset Until);

/// <summary>(a) Wolverine.Http endpoints with the aggregate handler workflow.</summary>
public static class WolverineEndpoints
{
    [WolverinePost("/wapi/schools/{urn}/exceptions")]
    public static (IResult, IStartStream) Request(string urn, RequestBody body, HttpResponse response)
    {
        var id = Guid.CreateVersion7().ToString();
        var start = MartenOps.StartStream<ExceptionCase>(id, new ExceptionRequested(id, body.Holder, body.Description));
        response.Headers.ETag = "\"1\"";
        return (TypedResults.Created($"/wapi/schools/{urn}/exceptions/{id}", new CommandResult(id, 1)), start);
    }

}

public static class ApproveWolverineEndpoint
{
    /// <summary>Runs after the load and before Post: If-Match against the version FetchForWriting read.</summary>
    public static ProblemDetails Validate(ExceptionCase state, HttpRequest request) =>
        IfMatch.Parse(request.Headers.IfMatch) is { } expected && expected != state.Version
            ? new ProblemDetails { Status = 412, Title = "The record has changed", Detail = $"If-Match \"{expected}\" is not the current version." }
            : WolverineContinue.NoProblems;

    [WolverinePost("/wapi/schools/{urn}/exceptions/{id}/approval")]
    public static (IResult, Events, OutgoingMessages) Approve(
        string urn, ApproveBody body, [WriteAggregate("id")] ExceptionCase state, TimeProvider clock, HttpResponse response)
    {
        var events = Decisions.Decide(new Decisions.Approve(state.Id, body.Until, "head", clock.GetUtcNow()), state);
        var version = state.Version + events.Count;
        response.Headers.ETag = $"\"{version}\"";
        var outgoing = new OutgoingMessages { new ExceptionExpiryDue(urn, state.Id).ScheduledAt(body.Until) };
        return (TypedResults.Ok(new CommandResult(state.Id, version)), [.. events], outgoing);
    }

}

public static class ShowWolverineEndpoint
{
    [WolverineGet("/wapi/schools/{urn}/exceptions/{id}")]
    public static async Task<IResult> Show(string urn, string id, IQuerySession session, HttpResponse response)
    {
        var state = await session.Events.AggregateStreamAsync<ExceptionCase>(id);
        if (state is null) return TypedResults.NotFound();
        response.Headers.ETag = $"\"{state.Version}\"";
        return TypedResults.Ok(new { state.Id, state.Status, state.Until, state.Version, tenant = session.TenantId });
    }
}

/// <summary>(b2) the same decision as a Wolverine message handler, invoked from a minimal API with InvokeForTenantAsync.</summary>
public sealed record ApproveCommand(string Id, DateTimeOffset Until, long? Version);

public static class ApproveCommandHandler
{
    public static async Task<CommandResult> Handle(ApproveCommand c, IDocumentSession session, IMessageContext bus, TimeProvider clock)
    {
        var stream = c.Version is { } v
            ? await session.Events.FetchForWriting<ExceptionCase>(c.Id, v)
            : await session.Events.FetchForWriting<ExceptionCase>(c.Id);
        var state = stream.Aggregate ?? throw new CommandRefusedException(404, "No such exception.");
        var events = Decisions.Decide(new Decisions.Approve(c.Id, c.Until, "head", clock.GetUtcNow()), state);
        stream.AppendMany(events);
        await bus.ScheduleAsync(new ExceptionExpiryDue(session.TenantId, c.Id), c.Until);
        if (c.Until.Year == 2199) throw new InvalidOperationException("simulated failure after append and schedule");
        return new CommandResult(c.Id, state.Version + events.Count);
    }
}

/// <summary>The scheduled work: Wolverine opens the session for the envelope's tenant.</summary>
public static class ExceptionExpiryDueHandler
{
    public static readonly ConcurrentDictionary<string, int> Handled = new();
    public static readonly ConcurrentQueue<string> Seen = new();

    public static async Task Handle(ExceptionExpiryDue m, IDocumentSession session, Envelope envelope, TimeProvider clock)
    {
        Seen.Enqueue($"session.tenant={session.TenantId} envelope.tenant={envelope.TenantId} urn={m.Urn} host={Environment.GetEnvironmentVariable("SPIKE_HOST")}");
        Handled.AddOrUpdate($"{session.TenantId}/{m.ExceptionId}", 1, (_, n) => n + 1);
        var stream = await session.Events.FetchForWriting<ExceptionCase>(m.ExceptionId);
        if (stream.Aggregate is { } state)
        {
            stream.AppendMany(Decisions.Decide(new Decisions.Expire(m.ExceptionId, clock.GetUtcNow()), state));
        }
    }
}

public static class IfMatch
{
    public static long? Parse(string? header) =>
        header is { Length: > 2 } h && h[0] == '"' && h[^1] == '"' && long.TryParse(h.AsSpan(1, h.Length - 2), out var v) ? v : null;
}
