using System.Text.RegularExpressions;
using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.EventStore;

/// <summary>An event checked and ready for the chain: its id, type, canonical data and digest.</summary>
internal readonly record struct PreparedEvent(Guid EventId, string Type, string Data, byte[] Digest);

/// <summary>
/// The rules every way into the ledger applies (<see cref="LedgerStore.AppendAsync"/> and
/// <see cref="Import.BulkImporter"/>): well-formed names, versioned event types, storable
/// canonical JSON within the size limit, and the event's digest over exactly what is stored.
/// </summary>
internal static partial class LedgerInput
{
    public const int MaxEventDataBytes = 64 * 1024;
    public const int MaxNameLength = 200;

    public static void CheckTenant(string? tenant) => CheckName(tenant, "tenant", TenantPattern());

    public static void CheckStream(string? streamId, string? streamType)
    {
        CheckName(streamId, "stream id", NamePattern());
        CheckName(streamType, "stream type", NamePattern());
    }

    public static void CheckMetadata(EventMetadata? metadata)
    {
        if (metadata is null)
        {
            throw new LedgerFormatException("The event metadata is missing.");
        }
        CheckName(metadata.Actor, "actor", NamePattern());
        CheckOptional(metadata.CorrelationId, "correlation id");
        CheckOptional(metadata.CausationId, "causation id");
        CheckOptional(metadata.CommandId, "command id");
    }

    /// <summary>
    /// Checks one event and computes its canonical data and digest. The tenant, stream and
    /// metadata must already have been checked; <paramref name="recordedAt"/> must already be
    /// truncated to microseconds.
    /// </summary>
    public static PreparedEvent PrepareEvent(string tenant, string streamId, NewEvent? e, EventMetadata metadata, DateTimeOffset recordedAt)
    {
        if (e is null)
        {
            throw new LedgerFormatException("An event is missing.");
        }
        if (e.Type is null || !EventTypePattern().IsMatch(e.Type))
        {
            throw new LedgerFormatException($"\"{e.Type}\" is not an event type name: expected a dotted lower-case name ending in a version, such as policy.acknowledged.v1.");
        }
        if (e.Data is null)
        {
            throw new LedgerFormatException("The event data is missing.");
        }
        var data = CanonicalJson.Canonicalize(e.Data);
        if (System.Text.Encoding.UTF8.GetByteCount(data) > MaxEventDataBytes)
        {
            throw new LedgerFormatException($"Event data is limited to {MaxEventDataBytes / 1024} KiB.");
        }
        var eventId = e.EventId ?? Guid.CreateVersion7(recordedAt);
        var digest = ChainHash.Digest(new EventContent(
            tenant, streamId, eventId, e.Type, data, metadata.Actor,
            metadata.CorrelationId, metadata.CausationId, metadata.CommandId, recordedAt));
        return new PreparedEvent(eventId, e.Type, data, digest);
    }

    static void CheckName(string? value, string what, Regex pattern)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new LedgerFormatException($"The {what} is missing.");
        }
        if (value.Length > MaxNameLength || !pattern.IsMatch(value))
        {
            throw new LedgerFormatException($"The {what} \"{Truncate(value)}\" may hold only letters, digits and . _ : - (at most {MaxNameLength}).");
        }
    }

    static void CheckOptional(string? value, string what)
    {
        if (value is not null)
        {
            CheckName(value, what, NamePattern());
        }
    }

    static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex TenantPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._:\-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*\.v[1-9][0-9]*$")]
    private static partial Regex EventTypePattern();
}
