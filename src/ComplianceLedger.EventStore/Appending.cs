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
    EventMetadata Metadata);

public sealed record AppendedEvent(Guid EventId, long ChainPosition, long StreamVersion, long GlobalPosition);

/// <summary><see cref="Replayed"/> is true when the command id had already been appended and nothing new was written.</summary>
public sealed record AppendResult(long StreamVersion, IReadOnlyList<AppendedEvent> Events, bool Replayed)
{
    /// <summary>The stream the events went to, when looked up by command id (a retry may not know it).</summary>
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
    byte[] Hash);

/// <summary>The stream was not at the version the writer expected: someone else wrote first.</summary>
public sealed class WrongExpectedVersionException(string streamId, ExpectedVersion expected, long actual)
    : Exception($"Stream {streamId} is at version {actual}, not {expected}.")
{
    public string StreamId { get; } = streamId;
    public ExpectedVersion Expected { get; } = expected;
    public long ActualVersion { get; } = actual;
}

/// <summary>A command id was sent again for a different stream: a client bug, not a retry.</summary>
public sealed class CommandIdReusedException(string commandId)
    : Exception($"Command id {commandId} was already used for a different stream.")
{
    public string CommandId { get; } = commandId;
}
