using ComplianceLedger.EventStore;

namespace ComplianceLedger.Api.Ledger;

/// <summary>How a stream's events fold into the state a decision needs.</summary>
public sealed record StreamDefinition<TState>(string StreamType, TState Initial, Func<TState, object, TState> Evolve);

/// <summary>A command's outcome: the stream's new version (the next ETag) and where its events landed.</summary>
public sealed record CommandResult(string StreamId, long Version, IReadOnlyList<long> Positions, bool Replayed);

/// <summary>A decision refused: the request is understood but the ledger's state does not allow it.</summary>
public class CommandRefusedException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;

    public static CommandRefusedException Conflict(string detail) => new(StatusCodes.Status409Conflict, "Not allowed in the record's current state", detail);
    public static CommandRefusedException Invalid(string detail) => new(StatusCodes.Status400BadRequest, "The request is not valid", detail);
    public static CommandRefusedException Forbidden(string detail) => new(StatusCodes.Status403Forbidden, "Not yours to decide", detail);
    public static CommandRefusedException NotFound(string detail) => new(StatusCodes.Status404NotFound, "Not found", detail);
}

/// <summary>
/// Load, decide, append: folds the stream, runs the pure decision, appends what it decided
/// expecting the version it read. A retried Idempotency-Key (same person, operation and request
/// fingerprint) returns the first result without deciding again; the same key with a different
/// request is refused (422); a concurrent writer (without If-Match) gets a fresh decision.
/// </summary>
public static class StreamHandler
{
    public static async Task<(TState State, long Version)> LoadAsync<TState>(
        LedgerStore store, string tenant, string streamId, StreamDefinition<TState> definition, CancellationToken ct)
    {
        var state = definition.Initial;
        long version = 0;
        await foreach (var stored in store.ReadStreamAsync(tenant, streamId, ct: ct))
        {
            (state, version) = Evolve(definition, state, stored);
        }
        return (state, version);
    }

    /// <summary>Folds events already read (e.g. with <see cref="LedgerStore.ReadStreamsAsync"/>).</summary>
    public static (TState State, long Version) Fold<TState>(StreamDefinition<TState> definition, IEnumerable<StoredEvent> events)
    {
        var (state, version) = (definition.Initial, 0L);
        foreach (var stored in events)
        {
            (state, version) = Evolve(definition, state, stored);
        }
        return (state, version);
    }

    static (TState, long) Evolve<TState>(StreamDefinition<TState> definition, TState state, StoredEvent stored) =>
        (EventTypes.FromStored(stored) is { } e ? definition.Evolve(state, e) : state, stored.StreamVersion);

    public static Task<CommandResult> HandleAsync<TState>(
        LedgerStore store, CommandContext context, string streamId, StreamDefinition<TState> definition,
        Func<TState, IReadOnlyList<object>> decide, CancellationToken ct) =>
        HandleAsync(store, context, streamId, definition, null, decide, null, ct);

    /// <param name="beforeCommit">Runs in the append's transaction when events are written (<see cref="AppendRequest.BeforeCommit"/>): e.g. scheduled work that must commit with them.</param>
    public static Task<CommandResult> HandleAsync<TState>(
        LedgerStore store, CommandContext context, string streamId, StreamDefinition<TState> definition,
        Func<TState, IReadOnlyList<object>> decide, Func<Marten.IDocumentSession, CancellationToken, Task>? beforeCommit, CancellationToken ct) =>
        HandleAsync(store, context, streamId, definition, null, decide, beforeCommit, ct);

    /// <param name="firstRead">
    /// The stream's events when the caller has just read them (with other streams, in one round
    /// trip); the first attempt decides on them, a retry after a concurrent write reads again.
    /// </param>
    public static Task<CommandResult> HandleAsync<TState>(
        LedgerStore store, CommandContext context, string streamId, StreamDefinition<TState> definition, IReadOnlyList<StoredEvent>? firstRead,
        Func<TState, IReadOnlyList<object>> decide, CancellationToken ct) =>
        HandleAsync(store, context, streamId, definition, firstRead, decide, null, ct);

    static async Task<CommandResult> HandleAsync<TState>(
        LedgerStore store, CommandContext context, string streamId, StreamDefinition<TState> definition, IReadOnlyList<StoredEvent>? firstRead,
        Func<TState, IReadOnlyList<object>> decide, Func<Marten.IDocumentSession, CancellationToken, Task>? beforeCommit, CancellationToken ct)
    {
        var earlier = context.Lookup is { } lookup ? lookup.Earlier
            : context.CommandId is { } commandId ? await store.FindCommandAsync(context.Tenant, commandId, context.RequestFingerprint, ct)
            : null;
        if (earlier is not null)
        {
            return Replay(earlier, streamId);
        }
        for (var attempt = 1; ; attempt++)
        {
            IReadOnlyList<object> events;
            long version;
            try
            {
                TState state;
                (state, version) = attempt == 1 && firstRead is not null
                    ? Fold(definition, firstRead)
                    : await LoadAsync(store, context.Tenant, streamId, definition, ct);
                if (context.ExpectedVersion is { } expected && expected != version)
                {
                    throw new WrongExpectedVersionException(streamId, ExpectedVersion.Exactly(expected), version);
                }
                events = decide(state);
            }
            catch (Exception e) when (e is CommandRefusedException or WrongExpectedVersionException && context.CommandId is not null)
            {
                // An identical request with this key may have written since we looked: it saw the
                // state this one is refused on (already acknowledged, a newer version), and its
                // result is this one's.
                if (await store.FindCommandAsync(context.Tenant, context.CommandId, context.RequestFingerprint, ct) is { } raced)
                {
                    return Replay(raced, streamId);
                }
                throw;
            }
            try
            {
                var result = await store.AppendAsync(new AppendRequest(
                    context.Tenant, streamId, definition.StreamType,
                    version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(version),
                    [.. events.Select(EventTypes.ToNewEvent)], context.Metadata)
                { RequestFingerprint = context.RequestFingerprint, BeforeCommit = beforeCommit }, ct);
                // A concurrent identical request wrote first: its result, on its stream, is this one's.
                return new CommandResult(result.StreamId ?? streamId, result.StreamVersion, [.. result.Events.Select(e => e.ChainPosition)], result.Replayed);
            }
            catch (WrongExpectedVersionException) when (context.ExpectedVersion is null && attempt < 3)
            {
                // Someone wrote between our read and append; decide again on what is there now.
            }
        }
    }

    /// <summary>
    /// The first result when the request was bound as a retry of a keyed command, else null: for
    /// handlers that would otherwise make something (a subject key) before deciding.
    /// </summary>
    public static CommandResult? RetryResult(CommandContext context, string streamId) =>
        context.Lookup?.Earlier is { } earlier ? Replay(earlier, streamId) : null;

    // A retried create drew a new id this time; the first attempt's stream is the one that exists.
    static CommandResult Replay(AppendResult earlier, string streamId) =>
        new(earlier.StreamId ?? streamId, earlier.StreamVersion, [.. earlier.Events.Select(e => e.ChainPosition)], Replayed: true);
}
