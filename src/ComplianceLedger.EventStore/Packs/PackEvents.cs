using System.Security.Cryptography;
using System.Text.Json;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;

namespace ComplianceLedger.EventStore.Packs;

/// <summary>
/// Checks 5 to 8 of a pack (docs/ledger-format.md): events.jsonl holds every position of the
/// range, each event's hash is its fields', each links to the line before, each proof leads to the
/// signed root, and "inPeriod" is the period's. Lines are parsed and hashed in parallel; the links
/// and proofs are then walked in order.
/// </summary>
static class PackEvents
{
    const string File = PackLedger.EventsFile;
    const int MaxReported = 20;

    public static long Check(byte[] jsonl, PackManifest manifest, TreeHead head, List<string> problems, IProgress<long>? progress)
    {
        var lines = Lines(jsonl);
        var range = manifest.Events;
        var reported = 0;
        void Report(string problem)
        {
            if (reported++ < MaxReported)
            {
                problems.Add(problem);
            }
        }

        if (lines.Count != range.Count)
        {
            Report($"{File}: holds {lines.Count} events, but the manifest says {range.Count}: the pack is incomplete");
        }
        if (range.Count == 0)
        {
            return 0;
        }
        if (range.First is not { } first || range.Last is not { } last || last - first + 1 != range.Count)
        {
            Report($"{PackManifest.FileName}: its event range ({range.First} to {range.Last}) does not hold {range.Count} positions");
            return 0;
        }
        if (last > head.TreeSize)
        {
            Report($"{File}: runs to position {last}, past the tree head's {head.TreeSize} events");
        }
        if (manifest.Period.AsOf && first != 1)
        {
            Report($"{File}: an \"as of\" pack starts at position 1, but this one starts at {first}");
        }

        var expect = new Expect(
            System.Text.Encoding.UTF8.GetBytes(manifest.School.Urn), System.Text.Encoding.UTF8.GetBytes(manifest.Period.Start),
            System.Text.Encoding.UTF8.GetBytes(manifest.Period.End));
        var parsed = new Parsed[lines.Count];
        long done = 0;
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, lines.Count, 2048), chunk =>
        {
            for (var i = chunk.Item1; i < chunk.Item2; i++)
            {
                parsed[i] = Parse(jsonl.AsSpan(lines[i].Start, lines[i].Length), expect);
            }
            progress?.Report(Interlocked.Add(ref done, chunk.Item2 - chunk.Item1));
        });

        var run = new InclusionRun(Math.Max(1, head.TreeSize), head.Root);
        var expected = first;
        var inPeriod = 0L;
        byte[]? previousHash = null;
        for (var i = 0; i < parsed.Length; i++)
        {
            var e = parsed[i];
            string At() => $"{File} line {i + 1} (position {e.Position})";
            if (e.Error is { } error)
            {
                Report($"{File} line {i + 1}: not an event ({error})");
                previousHash = null;
                expected++;
                continue;
            }
            if (e.Position != expected)
            {
                Report(e.Position > expected
                    ? $"{File} line {i + 1}: position {expected}{(e.Position - expected > 1 ? $" to {e.Position - 1}" : "")} is missing (the line holds position {e.Position}): the pack is incomplete"
                    : $"{At()}: out of order or repeated (position {expected} was expected)");
                expected = e.Position;
                previousHash = null;
            }
            expected++;
            if (!e.TenantMatches)
            {
                Report($"{At()}: the event is school {e.Tenant}'s, not {manifest.School.Urn}'s");
            }
            if (e.EmptyId)
            {
                Report($"{At()}: an absent id (correlationId, causationId or commandId) was made the empty string: the event was altered");
            }
            if (!e.HashMatches)
            {
                Report($"{At()}: its hash is not the hash of its fields: the event was altered");
            }
            if (previousHash is not null && (e.PreviousHash is null || !e.PreviousHash.AsSpan().SequenceEqual(previousHash)))
            {
                Report($"{At()}: its previousHash is not the hash of the line before: an event was removed, added or re-linked");
            }
            previousHash = e.Hash;
            if (e.Hash is null || e.Position < 1 || e.Position > head.TreeSize || e.Proof is null
                || !run.Check(e.Position - 1, MerkleTree.LeafHash(e.Hash), e.Proof))
            {
                Report($"{At()}: its inclusion proof does not lead to the tree head's root: the event is not in the signed ledger as it stands");
            }
            if (e.Within != e.InPeriod)
            {
                Report($"{At()}: marked {(e.InPeriod ? "in" : "outside")} the period, but it was recorded at {e.RecordedAt}");
            }
            if (e.Within)
            {
                inPeriod++;
            }
        }
        if (inPeriod != range.InPeriod)
        {
            Report($"{File}: {inPeriod} of its events were recorded in the period, but the manifest says {range.InPeriod}");
        }
        if (reported > MaxReported)
        {
            problems.Add($"{File}: and {reported - MaxReported} more problems");
        }
        return parsed.Length;
    }

    /// <summary>What one line says, read once: enough to check it and to name it.</summary>
    sealed class Parsed
    {
        public string? Error;
        public long Position;
        public long StreamVersion;
        public string? Tenant;
        public bool TenantMatches;
        public bool EmptyId;
        public bool HashMatches;
        public byte[]? Hash;
        public byte[]? PreviousHash;
        public byte[][]? Proof;
        public bool InPeriod;
        public bool Within;
        public string? RecordedAt;
    }

    /// <summary>The values a line is compared with, as UTF-8.</summary>
    sealed record Expect(byte[] Urn, byte[] Start, byte[] End);

    // The digest's fields in order (docs/ledger-format.md, "Events"); field 0 is the domain.
    static readonly byte[][] FieldNames =
    [
        "tenant"u8.ToArray(), "streamId"u8.ToArray(), "eventId"u8.ToArray(), "eventType"u8.ToArray(), "data"u8.ToArray(), "actor"u8.ToArray(),
        "correlationId"u8.ToArray(), "causationId"u8.ToArray(), "commandId"u8.ToArray(), "recordedAt"u8.ToArray(),
    ];

    static readonly byte[] Domain = System.Text.Encoding.UTF8.GetBytes(ChainHash.EventDomain);

    /// <summary>
    /// Reads a line with <see cref="Utf8JsonReader"/> and builds the digest's input from the values'
    /// UTF-8 bytes as they come (members in any order): no string per field, which made the
    /// serializer's version three times slower.
    /// </summary>
    static Parsed Parse(ReadOnlySpan<byte> line, Expect expect)
    {
        var p = new Parsed();
        var values = new byte[FieldNames.Length][];
        var present = new bool[FieldNames.Length];
        bool hasPosition = false, hasVersion = false;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = CanonicalJson.MaxDepth + 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                p.Error = "it is not a JSON object";
                return p;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = -1;
                for (var f = 0; f < FieldNames.Length && field < 0; f++)
                {
                    if (reader.ValueTextEquals(FieldNames[f]))
                    {
                        field = f;
                    }
                }
                if (field >= 0)
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        present[field] = field is >= 6 and <= 8;
                        values[field] = [];
                    }
                    else if (reader.TokenType == JsonTokenType.String)
                    {
                        values[field] = Utf8(ref reader);
                        present[field] = true;
                        if (field is >= 6 and <= 8 && values[field].Length == 0)
                        {
                            p.EmptyId = true;
                        }
                    }
                    continue;
                }
                if (reader.ValueTextEquals("chainPosition"u8))
                {
                    reader.Read();
                    hasPosition = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out p.Position);
                }
                else if (reader.ValueTextEquals("streamVersion"u8))
                {
                    reader.Read();
                    hasVersion = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out p.StreamVersion);
                }
                else if (reader.ValueTextEquals("previousHash"u8))
                {
                    reader.Read();
                    p.PreviousHash = reader.TokenType == JsonTokenType.String ? Hex(ref reader) : null;
                }
                else if (reader.ValueTextEquals("hash"u8))
                {
                    reader.Read();
                    p.Hash = reader.TokenType == JsonTokenType.String ? Hex(ref reader) : null;
                }
                else if (reader.ValueTextEquals("inPeriod"u8))
                {
                    reader.Read();
                    p.InPeriod = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("proof"u8))
                {
                    reader.Read();
                    p.Proof = reader.TokenType == JsonTokenType.StartArray ? Proof(ref reader) : null;
                }
                else
                {
                    // "readable", or anything else: not hashed.
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8.
            p.Error = "its JSON does not read";
            return p;
        }
        if (!hasPosition || !hasVersion || Array.IndexOf(present, false) >= 0)
        {
            p.Error = "a field is missing";
            return p;
        }
        p.TenantMatches = values[0].AsSpan().SequenceEqual(expect.Urn);
        if (!p.TenantMatches)
        {
            p.Tenant = System.Text.Encoding.UTF8.GetString(values[0]);
        }
        var recordedAt = values[9];
        p.Within = recordedAt.AsSpan().SequenceCompareTo(expect.Start) >= 0 && recordedAt.AsSpan().SequenceCompareTo(expect.End) < 0;
        if (p.Within != p.InPeriod)
        {
            p.RecordedAt = System.Text.Encoding.UTF8.GetString(recordedAt);
        }
        if (p.Hash is null || p.PreviousHash is null)
        {
            return p;
        }
        var size = 4 + Domain.Length;
        foreach (var value in values)
        {
            size += 4 + value.Length;
        }
        var input = new byte[size];
        var at = Put(input, 0, Domain);
        foreach (var value in values)
        {
            at = Put(input, at, value);
        }
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(input, digest);
        p.HashMatches = ChainHash.Link(p.PreviousHash, p.Position, p.StreamVersion, digest).AsSpan().SequenceEqual(p.Hash);
        return p;
    }

    static int Put(byte[] buffer, int at, byte[] value)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(at), (uint)value.Length);
        value.CopyTo(buffer, at + 4);
        return at + 4 + value.Length;
    }

    static byte[] Utf8(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return reader.ValueSpan.ToArray();
        }
        var buffer = new byte[reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length];
        var written = reader.CopyString(buffer);
        return written == buffer.Length ? buffer : buffer[..written];
    }

    static byte[][]? Proof(ref Utf8JsonReader reader)
    {
        var hashes = new List<byte[]>(24);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String || Hex(ref reader) is not { } hash)
            {
                reader.Skip();
                return null;
            }
            hashes.Add(hash);
        }
        return [.. hashes];
    }

    /// <summary>32 bytes from 64 lower-case hex digits (as written: upper case is an alteration), else null.</summary>
    static byte[]? Hex(ref Utf8JsonReader reader)
    {
        var text = reader.ValueSpan;
        if (reader.ValueIsEscaped || reader.HasValueSequence || text.Length != 64)
        {
            return null;
        }
        var bytes = new byte[32];
        for (var i = 0; i < 32; i++)
        {
            var high = Nibble(text[2 * i]);
            var low = Nibble(text[2 * i + 1]);
            if ((high | low) < 0)
            {
                return null;
            }
            bytes[i] = (byte)(high << 4 | low);
        }
        return bytes;
    }

    static int Nibble(byte c) => c is >= (byte)'0' and <= (byte)'9' ? c - '0' : c is >= (byte)'a' and <= (byte)'f' ? c - 'a' + 10 : -1;

    static List<(int Start, int Length)> Lines(byte[] jsonl)
    {
        var lines = new List<(int, int)>();
        var at = 0;
        while (at < jsonl.Length)
        {
            var end = jsonl.AsSpan(at).IndexOf((byte)'\n');
            var length = end < 0 ? jsonl.Length - at : end;
            lines.Add((at, length));
            at += length + 1;
        }
        return lines;
    }
}
