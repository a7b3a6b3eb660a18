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

        var parsed = new Parsed[lines.Count];
        long done = 0;
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, lines.Count, 2048), chunk =>
        {
            for (var i = chunk.Item1; i < chunk.Item2; i++)
            {
                parsed[i] = Parse(jsonl.AsSpan(lines[i].Start, lines[i].Length));
            }
            progress?.Report(Interlocked.Add(ref done, chunk.Item2 - chunk.Item1));
        });

        var run = head.TreeSize >= 1 ? new InclusionRun(head.TreeSize, head.Root) : null;
        var expected = first;
        var inPeriod = 0L;
        string? previousHash = null;
        for (var i = 0; i < parsed.Length; i++)
        {
            var p = parsed[i];
            var at = $"{File} line {i + 1}";
            if (p.Line is not { } e)
            {
                Report($"{at}: not an event ({p.Error})");
                previousHash = null;
                expected++;
                continue;
            }
            at = $"{at} (position {e.ChainPosition})";
            if (e.ChainPosition != expected)
            {
                Report(e.ChainPosition > expected
                    ? $"{File} line {i + 1}: position {expected}{(e.ChainPosition - expected > 1 ? $" to {e.ChainPosition - 1}" : "")} is missing (the line holds position {e.ChainPosition}): the pack is incomplete"
                    : $"{at}: out of order or repeated (position {expected} was expected)");
                expected = e.ChainPosition;
                previousHash = null;
            }
            expected++;
            if (e.Tenant != manifest.School.Urn)
            {
                Report($"{at}: the event is school {e.Tenant}'s, not {manifest.School.Urn}'s");
            }
            if (e.CorrelationId == "" || e.CausationId == "" || e.CommandId == "")
            {
                Report($"{at}: an absent id (correlationId, causationId or commandId) was made the empty string: the event was altered");
            }
            if (!p.HashMatches)
            {
                Report($"{at}: its hash is not the hash of its fields: the event was altered");
            }
            if (previousHash is not null && e.PreviousHash != previousHash)
            {
                Report($"{at}: its previousHash is not the hash of the line before: an event was removed, added or re-linked");
            }
            previousHash = e.Hash;
            if (run is null || p.HashBytes is null || e.ChainPosition < 1 || e.ChainPosition > head.TreeSize || p.Proof is null
                || !run.Check(e.ChainPosition - 1, MerkleTree.LeafHash(p.HashBytes), p.Proof))
            {
                Report($"{at}: its inclusion proof does not lead to the tree head's root: the event is not in the signed ledger as it stands");
            }
            var within = string.CompareOrdinal(e.RecordedAt, manifest.Period.Start) >= 0 && string.CompareOrdinal(e.RecordedAt, manifest.Period.End) < 0;
            if (within != e.InPeriod)
            {
                Report($"{at}: marked {(e.InPeriod ? "in" : "outside")} the period, but it was recorded at {e.RecordedAt}");
            }
            if (within)
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

    readonly record struct Parsed(PackEventLine? Line, bool HashMatches, byte[]? HashBytes, byte[][]? Proof, string? Error);

    static Parsed Parse(ReadOnlySpan<byte> line)
    {
        PackEventLine? e;
        try
        {
            e = JsonSerializer.Deserialize(line, PackEventLineJson.Default.PackEventLine);
        }
        catch (JsonException)
        {
            return new(null, false, null, null, "its JSON does not read");
        }
        if (e is not
            {
                Tenant: { } tenant, StreamId: { } stream, EventId: { } id, EventType: { } type, Data: { } data, Actor: { } actor,
                RecordedAt: { } recordedAt, PreviousHash: { } previous, Hash: { } hash, Proof: { } proofHex
            })
        {
            return new(null, false, null, null, "a field is missing");
        }
        if (!PackVerifier.TryHex(hash, 32, out var hashBytes) || !PackVerifier.TryHex(previous, 32, out var previousBytes))
        {
            return new(e, false, null, null, null);
        }
        var proof = new byte[proofHex.Length][];
        for (var k = 0; k < proof.Length; k++)
        {
            if (!PackVerifier.TryHex(proofHex[k], 32, out proof[k]))
            {
                proof = null;
                break;
            }
        }
        var digest = SHA256.HashData(ChainHash.LengthPrefixed(
            ChainHash.EventDomain, tenant, stream, id, type, data, actor,
            e.CorrelationId ?? "", e.CausationId ?? "", e.CommandId ?? "", recordedAt));
        var matches = ChainHash.Link(previousBytes, e.ChainPosition, e.StreamVersion, digest).AsSpan().SequenceEqual(hashBytes);
        return new(e, matches, hashBytes, proof, null);
    }

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
