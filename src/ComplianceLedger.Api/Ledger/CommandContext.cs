using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.Api.Ledger;

/// <summary>
/// What every command carries besides its body: who (the signed-in school member), when
/// (<see cref="TimeProvider"/>), the version the client last saw (<c>If-Match</c>) and, for an
/// <c>Idempotency-Key</c>, the command id scoped to this person and operation with the request's
/// fingerprint (<see cref="IdempotencyKey"/>).
/// </summary>
public sealed record CommandContext(
    string Tenant, string Actor, Guid? PersonId, DateTimeOffset Now, long? ExpectedVersion, string? CommandId, string? CorrelationId)
{
    public DateOnly Today => SchoolDay.Of(Now);

    /// <summary>The request's fingerprint, recorded with <see cref="CommandId"/>; null outside a keyed HTTP request.</summary>
    public byte[]? RequestFingerprint { get; init; }

    /// <summary>What the ledger held for <see cref="CommandId"/> when the request was bound; null when not looked up.</summary>
    internal CommandLookup? Lookup { get; init; }

    /// <summary>An earlier append with the same command id and fingerprint (null: none yet).</summary>
    internal sealed record CommandLookup(AppendResult? Earlier);

    /// <summary>The signed-in person on whose behalf the command runs.</summary>
    public Guid Person => PersonId ?? throw new InvalidOperationException("This command needs a signed-in person.");

    /// <summary>A command run by the system or an operator (the CLI), not by a signed-in person.</summary>
    public static CommandContext ForOperator(string tenant, string actor, DateTimeOffset now, string? commandId = null) =>
        new(tenant, actor, null, now, null, commandId, null);

    public static async ValueTask<CommandContext?> BindAsync(HttpContext http)
    {
        var member = http.Features.Get<SchoolMember>()
            ?? throw new InvalidOperationException("CommandContext needs the school member filter on the route group.");
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var expected = ExpectedVersionFrom(http.Request.Headers.IfMatch.ToString());
        var (commandId, fingerprint) = IdempotencyKey.For(http, member.Urn, member.Actor);
        // Looked up before the handler runs, so a key reused for a different request is refused
        // (422) before anything is sealed or decided; the append checks again, atomically.
        var lookup = commandId is null ? null : new CommandLookup(
            await http.RequestServices.GetRequiredService<LedgerStore>().FindCommandAsync(member.Urn, commandId, fingerprint, http.RequestAborted));
        return new CommandContext(
            member.Urn, member.Actor, member.PersonId, now, expected, commandId, System.Diagnostics.Activity.Current?.TraceId.ToString())
        {
            RequestFingerprint = fingerprint,
            Lookup = lookup,
        };
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
