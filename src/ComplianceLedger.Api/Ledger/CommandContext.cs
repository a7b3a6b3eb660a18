using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.Api.Ledger;

/// <summary>
/// What every command carries besides its body: who (the signed-in school member), when
/// (<see cref="TimeProvider"/>), the version the client last saw (<c>If-Match</c>) and its
/// idempotency key (<c>Idempotency-Key</c>).
/// </summary>
public sealed record CommandContext(
    string Tenant, string Actor, Guid? PersonId, DateTimeOffset Now, long? ExpectedVersion, string? CommandId, string? CorrelationId)
{
    public DateOnly Today => SchoolDay.Of(Now);

    /// <summary>The signed-in person on whose behalf the command runs.</summary>
    public Guid Person => PersonId ?? throw new InvalidOperationException("This command needs a signed-in person.");

    /// <summary>A command run by the system or an operator (the CLI), not by a signed-in person.</summary>
    public static CommandContext ForOperator(string tenant, string actor, DateTimeOffset now, string? commandId = null) =>
        new(tenant, actor, null, now, null, commandId, null);

    public static ValueTask<CommandContext?> BindAsync(HttpContext http)
    {
        var member = http.Features.Get<SchoolMember>()
            ?? throw new InvalidOperationException("CommandContext needs the school member filter on the route group.");
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var commandId = http.Request.Headers["Idempotency-Key"].ToString();
        return ValueTask.FromResult<CommandContext?>(new CommandContext(
            member.Urn, member.Actor, member.PersonId, now, ExpectedVersionFrom(http.Request.Headers.IfMatch.ToString()),
            commandId.Length == 0 ? null : commandId, System.Diagnostics.Activity.Current?.TraceId.ToString()));
    }

    public EventMetadata Metadata => new(Actor, CorrelationId, null, CommandId);

    /// <summary><c>"3"</c> means version 3; absent means "whatever is there now".</summary>
    static long? ExpectedVersionFrom(string ifMatch)
    {
        if (ifMatch.Length == 0)
        {
            return null;
        }
        return StreamVersionTag.TryParse(ifMatch, out var version)
            ? version
            : throw new LedgerFormatException("If-Match must be one quoted version such as \"3\", as given in the ETag.");
    }
}
