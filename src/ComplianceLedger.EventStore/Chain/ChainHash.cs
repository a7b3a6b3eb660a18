using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ComplianceLedger.EventStore.Chain;

/// <summary>
/// The hash chain's arithmetic, exactly as docs/ledger-format.md specifies it. The
/// database computes <see cref="Link"/> inside <c>ledger.append_events</c>; verifiers
/// recompute both halves here.
/// </summary>
public static class ChainHash
{
    public const string EventDomain = "compliance-ledger/event/v1";
    public static ReadOnlySpan<byte> Genesis => new byte[32];

    /// <summary>SHA-256 over the event's own fields, each as a 4-byte big-endian length and its UTF-8 bytes.</summary>
    public static byte[] Digest(EventContent e) => SHA256.HashData(LengthPrefixed(
        EventDomain, e.Tenant, e.StreamId, e.EventId.ToString("D"), e.EventType, e.CanonicalData, e.Actor,
        e.CorrelationId ?? "", e.CausationId ?? "", e.CommandId ?? "", FormatTimestamp(e.RecordedAt)));

    /// <summary>Each field as a 4-byte big-endian byte count followed by its UTF-8 bytes.</summary>
    public static byte[] LengthPrefixed(params ReadOnlySpan<string> fields)
    {
        var size = 0;
        foreach (var field in fields)
        {
            size += 4 + Encoding.UTF8.GetByteCount(field);
        }
        var buffer = new byte[size];
        var at = 0;
        foreach (var field in fields)
        {
            var written = Encoding.UTF8.GetBytes(field, buffer.AsSpan(at + 4));
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(at), (uint)written);
            at += 4 + written;
        }
        return buffer;
    }

    /// <summary>SHA-256(previous hash ‖ be64 chain position ‖ be64 stream version ‖ digest).</summary>
    public static byte[] Link(ReadOnlySpan<byte> previousHash, long chainPosition, long streamVersion, ReadOnlySpan<byte> digest)
    {
        Span<byte> buffer = stackalloc byte[32 + 8 + 8 + 32];
        previousHash.CopyTo(buffer);
        BinaryPrimitives.WriteInt64BigEndian(buffer[32..], chainPosition);
        BinaryPrimitives.WriteInt64BigEndian(buffer[40..], streamVersion);
        digest.CopyTo(buffer[48..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>UTC, microsecond precision (PostgreSQL's), e.g. <c>2026-09-01T08:30:00.000000Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Drops sub-microsecond ticks so what is hashed is what PostgreSQL stores.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);
}

/// <summary>What an event's digest covers. <see cref="CanonicalData"/> is the canonical JSON text.</summary>
public sealed record EventContent(
    string Tenant,
    string StreamId,
    Guid EventId,
    string EventType,
    string CanonicalData,
    string Actor,
    string? CorrelationId,
    string? CausationId,
    string? CommandId,
    DateTimeOffset RecordedAt);
