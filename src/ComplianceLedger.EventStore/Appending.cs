using System.Text.Json;

namespace ComplianceLedger.EventStore;

/// <summary>An event to append: its stable, versioned type name (e.g. <c>policy.acknowledged.v1</c>) and its JSON data.</summary>
public sealed record NewEvent(string Type, string Data, Guid? EventId = null);

/// <summary>Who caused the append and why. <see cref="CommandId"/> makes the append idempotent.</summary>
public sealed record EventMetadata(string Actor, string? CorrelationId = null, string? CausationId = null, string? CommandId = null);

/// <summary>What the writer believes about the stream: any state, not yet created, or at an exact version.</summary>
public readonly record struct ExpectedVersion(long? Value)
{
    public static ExpectedVersion Any => new(null);
    public static ExpectedVersion NoStream => new(0);
    public static ExpectedVersion Exactly(long version) =>
        version < 0 ? throw new ArgumentOutOfRangeException(nameof(version)) : new(version);

    public override string ToString() => Value switch
    {
        null => "any",
        0 => "no stream",
        var v => v.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

public sealed record AppendRequest(
    string Tenant,
    string StreamId,
    string StreamType,
    ExpectedVersion ExpectedVersion,
    IReadOnlyList<NewEvent> Events,
    EventMetadata Metadata)
{
    /// <summary>
    /// SHA-256 of the request that caused the append (32 bytes), recorded with its command id: a
    /// retry with the same fingerprint replays the first result, a different one is refused with
    /// <see cref="CommandIdReusedException"/>. Null: the command id alone decides (same stream replays).
    /// </summary>
    public byte[]? RequestFingerprint { get; init; }

    /// <summary>
    /// Called with the append's Marten session just before it commits, only when events are about
    /// to be written (never for a replayed command id): what it queues on the session, e.g. a
    /// message scheduled through Wolverine's outbox (<c>new MartenOutbox(runtime, session)</c> with
    /// its <c>TenantId</c> set to the school), commits with the events or not at all.
    /// </summary>
    public Func<global::Marten.IDocumentSession, CancellationToken, Task>? BeforeCommit { get; init; }
}

public sealed record AppendedEvent(Guid EventId, long ChainPosition, long StreamVersion, long GlobalPosition);

/// <summary><see cref="Replayed"/> is true when the command id had already been appended and nothing new was written.</summary>
public sealed record AppendResult(long StreamVersion, IReadOnlyList<AppendedEvent> Events, bool Replayed)
{
    /// <summary>The stream the events went to (a retry may not know it: a retried create drew a new id).</summary>
    public string? StreamId { get; init; }
}

/// <summary>An event as stored, with its place in the tenant's hash chain.</summary>
public sealed record StoredEvent(
    long GlobalPosition,
    string Tenant,
    long ChainPosition,
    string StreamId,
    long StreamVersion,
    Guid EventId,
    string EventType,
    string Data,
    string Actor,
    string? CorrelationId,
    string? CausationId,
    string? CommandId,
    DateTimeOffset RecordedAt,
    byte[] PreviousHash,
    byte[] Hash)
{
    // Either given, or made on first use from the UTF-8 the data was read as: a rebuild's replay
    // reads it that way and parses those bytes, and its projections never ask for the string.
    string? data = Data;

    readonly ReadOnlyMemory<byte> utf8;

    // The data parsed once, however many projections read it; it lives as long as the event.
    ParsedJson? parsed;

    sealed class ParsedJson(JsonElement value)
    {
        public JsonElement Value { get; } = value;
    }

    /// <summary>An event whose data was read as UTF-8: parsed from those bytes when first read, and <see cref="Data"/> made from them only if asked for.</summary>
    public StoredEvent(
        long globalPosition, string tenant, long chainPosition, string streamId, long streamVersion, Guid eventId, string eventType,
        ReadOnlyMemory<byte> utf8Data, string actor, string? correlationId, string? causationId, string? commandId, DateTimeOffset recordedAt,
        byte[] previousHash, byte[] hash)
        : this(globalPosition, tenant, chainPosition, streamId, streamVersion, eventId, eventType, Data: null!, actor, correlationId,
            causationId, commandId, recordedAt, previousHash, hash)
    {
        utf8 = utf8Data;
    }

    /// <summary>The event data as JSON text.</summary>
    public string Data
    {
        get => Volatile.Read(ref data) ?? (data = System.Text.Encoding.UTF8.GetString(utf8.Span));
        init
        {
            data = value;
            utf8 = default;
            parsed = null;
        }
    }

    /// <summary>The data parsed, once per event however often asked (projections read each event several times).</summary>
    public JsonElement ParsedData()
    {
        if (Volatile.Read(ref parsed) is { } hit)
        {
            return hit.Value;
        }
        JsonElement value;
        if (data is null)
        {
            // Parsed in place: the document keeps the event's own bytes rather than a copy. It is
            // never disposed (it lives as long as the event), so its pooled index goes to the collector.
            value = JsonDocument.Parse(utf8).RootElement;
        }
        else
        {
            using var document = JsonDocument.Parse(data);
            value = document.RootElement.Clone();
        }
        Volatile.Write(ref parsed, new ParsedJson(value));
        return value;
    }

    // The parsed data is a cache, not part of the event's value: equal events may differ in it.
    public bool Equals(StoredEvent? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (GlobalPosition == other.GlobalPosition && Tenant == other.Tenant && ChainPosition == other.ChainPosition
                && StreamId == other.StreamId && StreamVersion == other.StreamVersion && EventId == other.EventId
                && EventType == other.EventType && Data == other.Data && Actor == other.Actor && CorrelationId == other.CorrelationId
                && CausationId == other.CausationId && CommandId == other.CommandId && RecordedAt.Equals(other.RecordedAt)
                && EqualityComparer<byte[]>.Default.Equals(PreviousHash, other.PreviousHash)
                && EqualityComparer<byte[]>.Default.Equals(Hash, other.Hash)));

    public override int GetHashCode() => HashCode.Combine(GlobalPosition, Tenant, ChainPosition, StreamId, StreamVersion, EventId, EventType);
}

/// <summary>The stream was not at the version the writer expected: someone else wrote first.</summary>
public sealed class WrongExpectedVersionException(string streamId, ExpectedVersion expected, long actual)
    : Exception($"Stream {streamId} is at version {actual}, not {expected}.")
{
    public string StreamId { get; } = streamId;
    public ExpectedVersion Expected { get; } = expected;
    public long ActualVersion { get; } = actual;
}

/// <summary>A command id was sent again for a different stream or a different request: a client bug, not a retry.</summary>
public sealed class CommandIdReusedException : Exception
{
    public CommandIdReusedException(string commandId)
        : this(commandId, $"Command id {commandId} was already used for a different stream.")
    {
    }

    CommandIdReusedException(string commandId, string message)
        : base(message) => CommandId = commandId;

    public string CommandId { get; }

    /// <summary>The id's first request had another fingerprint (another body, record or operation). Says nothing of either request.</summary>
    public static CommandIdReusedException DifferentRequest(string commandId) => new(commandId,
        "This Idempotency-Key was used for a different request (another body or another record); nothing was written. "
        + "Send a new key with each new request, and the same key only to retry the very same request.");
}
