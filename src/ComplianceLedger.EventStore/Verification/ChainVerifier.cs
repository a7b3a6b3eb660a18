using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;

namespace ComplianceLedger.EventStore.Verification;

/// <summary>One thing wrong with a tenant's ledger, at the chain position where it shows.</summary>
public sealed record VerificationProblem(string Tenant, long Position, string Problem)
{
    public override string ToString() => $"tenant {Tenant}, position {Position}: {Problem}";
}

/// <summary>
/// Recomputes one tenant's chain from its events, fed in chain-position order, then checks
/// the recorded head and the signed checkpoints against it. It holds only the running hash
/// and the hashes at checkpoint positions, so a tenant of any size verifies in constant memory.
/// Knows nothing of where the events come from: the database or an export.
/// </summary>
/// <param name="keptHeads">Tree heads kept outside the database (digests, files): the chain must
/// have grown from each of them, which catches a history truncated, rewritten or re-signed since.</param>
/// <param name="keepLeaves">Keep every event hash, for consistency proofs afterwards (32 bytes an event).</param>
public sealed class ChainVerifier(
    string tenant, IReadOnlyCollection<Checkpoint> checkpoints, IReadOnlyDictionary<string, byte[]> trustedKeys,
    IReadOnlyCollection<TreeHead>? keptHeads = null, bool keepLeaves = false)
{
    readonly List<VerificationProblem> problems = [];
    readonly IReadOnlyCollection<TreeHead> keptHeads = keptHeads ?? [];
    readonly List<byte[]> leaves = [];
    readonly Dictionary<string, (long Version, long Position)> streams = new(StringComparer.Ordinal);
    readonly HashSet<long> checkpointPositions = [.. checkpoints.Select(c => c.Position), .. (keptHeads ?? []).Select(h => h.TreeSize)];
    readonly Dictionary<long, byte[]> hashesAtCheckpoints = [];
    readonly Dictionary<long, byte[]> rootsAtCheckpoints = [];
    readonly MerkleFrontier tree = new();
    byte[] runningHash = ChainHash.Genesis.ToArray();
    long expectedPosition = 1;

    /// <summary>
    /// Chain problems kept in memory; past this only <see cref="ProblemsFound"/> grows. A shifted
    /// chain fails at every later position, and the first ones are the ones that matter.
    /// </summary>
    public const int MaxChainProblemsKept = 1000;

    public long EventsChecked { get; private set; }

    /// <summary>The leaf hashes read, when asked to keep them.</summary>
    public IReadOnlyList<byte[]> Leaves => leaves;
    public long ProblemsFound { get; private set; }
    public IReadOnlyList<VerificationProblem> Problems => problems;

    public void Add(StoredEvent e)
    {
        EventsChecked++;
        if (e.Tenant != tenant)
        {
            Report(e.ChainPosition, $"event belongs to tenant {e.Tenant}");
            return;
        }
        if (e.ChainPosition != expectedPosition)
        {
            ReportChain(expectedPosition, e.ChainPosition > expectedPosition
                ? $"event missing: the chain jumps from position {expectedPosition - 1} to {e.ChainPosition}"
                : $"position {e.ChainPosition} appears again after {expectedPosition - 1}");
        }
        if (!e.PreviousHash.AsSpan().SequenceEqual(runningHash))
        {
            ReportChain(e.ChainPosition, "previous-hash link broken: the event does not follow the one before it");
        }

        // Absent is NULL, and hashes as the empty string; no append writes an empty one (LedgerInput
        // refuses it), so an empty value is NULL altered to look the same to the hash.
        if (e.Actor.Length == 0)
        {
            ReportChain(e.ChainPosition, "the actor is missing or empty, which no append writes: the event was altered");
        }
        foreach (var (value, name) in new[] { (e.CorrelationId, "correlation id"), (e.CausationId, "causation id"), (e.CommandId, "command id") })
        {
            if (value is { Length: 0 })
            {
                ReportChain(e.ChainPosition, $"the {name} is the empty string, which no append writes (an absent one is NULL): the event was altered");
            }
        }

        // A stream's versions run 1, 2, 3… in chain order: a gap is an event of it removed or moved.
        var stream = streams.GetValueOrDefault(e.StreamId);
        if (e.StreamVersion != stream.Version + 1)
        {
            ReportChain(e.ChainPosition, $"stream {e.StreamId} goes from version {stream.Version} to {e.StreamVersion}");
        }
        streams[e.StreamId] = (e.StreamVersion, e.ChainPosition);

        string canonicalData;
        try
        {
            canonicalData = CanonicalJson.Canonicalize(e.Data);
        }
        catch (LedgerFormatException x)
        {
            ReportChain(e.ChainPosition, $"data cannot be canonicalised: {x.Message}");
            canonicalData = e.Data;
        }
        var digest = ChainHash.Digest(new EventContent(
            e.Tenant, e.StreamId, e.EventId, e.EventType, canonicalData, e.Actor, e.CorrelationId, e.CausationId,
            e.CommandId, e.RecordedAt));
        var recomputed = ChainHash.Link(runningHash, e.ChainPosition, e.StreamVersion, digest);
        if (!recomputed.AsSpan().SequenceEqual(e.Hash))
        {
            ReportChain(e.ChainPosition, "hash mismatch: the event's type, data, metadata or place differs from what was recorded");
        }

        // Carry on from the stored hash so one bad event is reported once, not at every later position.
        runningHash = e.Hash;
        tree.AppendEventHash(e.Hash);
        if (keepLeaves)
        {
            leaves.Add(MerkleTree.LeafHash(e.Hash));
        }
        if (checkpointPositions.Contains(e.ChainPosition))
        {
            hashesAtCheckpoints[e.ChainPosition] = e.Hash;
            rootsAtCheckpoints[e.ChainPosition] = tree.Root;
        }
        expectedPosition = Math.Max(expectedPosition, e.ChainPosition) + 1;
    }

    /// <summary>Checks the stored chain head, the streams' recorded versions and the checkpoints; returns every problem, first position first.</summary>
    /// <param name="recordedStreams">Each stream's version as the streams table records it (null: not checked).</param>
    public IReadOnlyList<VerificationProblem> Complete(long? headPosition, byte[]? headHash, IReadOnlyDictionary<string, long>? recordedStreams = null)
    {
        var lastPosition = expectedPosition - 1;
        foreach (var (streamId, version) in recordedStreams ?? new Dictionary<string, long>())
        {
            var seen = streams.GetValueOrDefault(streamId);
            if (version > seen.Version)
            {
                // Like the head: what is missing would have come after the last event read.
                Report(lastPosition + 1, $"stream {streamId} is recorded at version {version}, but its events end at version {seen.Version}: events were removed");
            }
            else if (version < seen.Version)
            {
                Report(seen.Position, $"stream {streamId} is recorded at version {version}, but its events run to version {seen.Version}");
            }
        }
        if (recordedStreams is not null)
        {
            foreach (var (streamId, seen) in streams.Where(s => !recordedStreams.ContainsKey(s.Key)))
            {
                Report(seen.Position, $"stream {streamId} has events but no stream record");
            }
        }
        if (headPosition is { } position && (position != lastPosition || !runningHash.AsSpan().SequenceEqual(headHash)))
        {
            // A count mismatch shows first just past the shorter of the two.
            Report(position == lastPosition ? position : Math.Min(position, lastPosition) + 1,
                $"chain head records position {position} with hash {Hex(headHash)}, but the events end at position {lastPosition} with hash {Hex(runningHash)}");
        }
        else if (headPosition is null && lastPosition > 0)
        {
            // Appends always write the head with the events, so events without one mean a row was removed.
            Report(lastPosition, $"no chain head is recorded, but the events run to position {lastPosition}");
        }

        foreach (var checkpoint in checkpoints)
        {
            if (!trustedKeys.TryGetValue(checkpoint.KeyId, out var publicKey))
            {
                Report(checkpoint.Position, $"checkpoint signed by unknown key {checkpoint.KeyId}");
            }
            else if (!checkpoint.IsSignedBy(publicKey))
            {
                Report(checkpoint.Position, "checkpoint signature does not verify: the checkpoint was altered");
            }
            if (!hashesAtCheckpoints.TryGetValue(checkpoint.Position, out var hash))
            {
                Report(checkpoint.Position, $"checkpoint at position {checkpoint.Position} is beyond the chain, which ends at {lastPosition}");
            }
            else if (checkpoint.TreeRoot is { } root)
            {
                if (!rootsAtCheckpoints[checkpoint.Position].AsSpan().SequenceEqual(root))
                {
                    Report(checkpoint.Position, "the Merkle root of the events up to here differs from the signed tree head: history before it was rewritten");
                }
                else if (!hash.AsSpan().SequenceEqual(checkpoint.HeadHash))
                {
                    // The root is what is signed; the head hash beside it is a copy, and this one was changed.
                    Report(checkpoint.Position, "the checkpoint's head hash (a copy: the tree root is what is signed) differs from the chain's hash here");
                }
            }
            else if (!hash.AsSpan().SequenceEqual(checkpoint.HeadHash))
            {
                Report(checkpoint.Position, "the chain's hash here differs from the signed checkpoint: history before it was rewritten");
            }
        }
        foreach (var head in keptHeads)
        {
            if (!trustedKeys.TryGetValue(head.KeyId, out var publicKey))
            {
                Report(head.TreeSize, $"the tree head kept outside the ledger (size {head.TreeSize}, signed {ChainHash.FormatTimestamp(head.IssuedAt)}) is signed by unknown key {head.KeyId}");
            }
            else if (!head.IsSignedBy(publicKey))
            {
                Report(head.TreeSize, $"the tree head kept outside the ledger (size {head.TreeSize}) has a signature that does not verify: it was altered");
            }
            else if (head.TreeSize > lastPosition)
            {
                Report(lastPosition + 1, $"the ledger ends at position {lastPosition}, but a tree head kept outside it, signed {ChainHash.FormatTimestamp(head.IssuedAt)}, covers {head.TreeSize} events: events were removed");
            }
            else if (!rootsAtCheckpoints[head.TreeSize].AsSpan().SequenceEqual(head.Root))
            {
                Report(head.TreeSize, $"the events 1..{head.TreeSize} no longer have the root of the tree head kept outside the ledger, signed {ChainHash.FormatTimestamp(head.IssuedAt)}: history was rewritten since");
            }
        }
        return [.. problems.OrderBy(p => p.Position)];
    }

    void Report(long position, string problem)
    {
        ProblemsFound++;
        problems.Add(new VerificationProblem(tenant, position, problem));
    }

    void ReportChain(long position, string problem)
    {
        if (problems.Count < MaxChainProblemsKept)
        {
            Report(position, problem);
        }
        else
        {
            ProblemsFound++;
        }
    }

    static string Hex(byte[]? bytes) => bytes is null ? "(none)" : Convert.ToHexStringLower(bytes)[..16] + "…";
}
