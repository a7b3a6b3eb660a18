using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Marten;

namespace SpikeApp;

/// <summary>(b) our minimal APIs: typed Results, pure Decide, Marten directly + Wolverine's outbox, or InvokeForTenantAsync.</summary>
public static class MinimalEndpoints
{
    public static void Map(WebApplication app)
    {
        var school = app.MapGroup("/api/schools/{urn}");

        school.MapPost("/exceptions/{id}/approval", async Task<Results<Ok<CommandResult>, ProblemHttpResult>> (
            string urn, string id, ApproveBody body, [FromHeader(Name = "If-Match")] string? ifMatch,
            IDocumentStore store, IMartenOutbox outbox, TimeProvider clock, HttpResponse response, CancellationToken ct) =>
        {
            await using var session = store.LightweightSession(urn);
            outbox.Enroll(session);
            if (Environment.GetEnvironmentVariable("SPIKE_NO_TENANT") != "1") outbox.TenantId = urn;
            var stream = IfMatch.Parse(ifMatch) is { } expected
                ? await session.Events.FetchForWriting<ExceptionCase>(id, expected, ct)
                : await session.Events.FetchForWriting<ExceptionCase>(id, ct);
            if (stream.Aggregate is not { } state)
            {
                return TypedResults.Problem(statusCode: 404, title: "Not found", detail: "No such exception at this school.");
            }
            var events = Decisions.Decide(new Decisions.Approve(id, body.Until, "head", clock.GetUtcNow()), state);
            stream.AppendMany(events);
            await outbox.ScheduleAsync(new ExceptionExpiryDue(urn, id), body.Until);
            await session.SaveChangesAsync(ct);
            var version = state.Version + events.Count;
            response.Headers.ETag = $"\"{version}\"";
            return TypedResults.Ok(new CommandResult(id, version));
        }).WithName("ApproveExceptionDirect");

        school.MapPost("/exceptions/{id}/approval-via-bus", async Task<Results<Ok<CommandResult>, ProblemHttpResult>> (
            string urn, string id, ApproveBody body, [FromHeader(Name = "If-Match")] string? ifMatch,
            IMessageBus bus, HttpResponse response, CancellationToken ct) =>
        {
            var result = await bus.InvokeForTenantAsync<CommandResult>(urn, new ApproveCommand(id, body.Until, IfMatch.Parse(ifMatch)), ct);
            response.Headers.ETag = $"\"{result.Version}\"";
            return TypedResults.Ok(result);
        }).WithName("ApproveExceptionViaBus");
    }
}
