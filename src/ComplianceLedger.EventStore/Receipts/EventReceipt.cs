using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;
using Npgsql;

namespace ComplianceLedger.EventStore.Receipts;

/// <summary>
/// A person's proof that one event is in the school's ledger: the event as stored, its audit path
/// in the Merkle tree, and the signed tree head the path leads to. Checkable offline with the
/// school's public key (<see cref="Check"/>, <c>ledger verify-receipt</c>); a later digest proves,
/// by a consistency proof, that the event is still there.
/// </summary>
public sealed record EventReceipt(
    string Format,
    ReceiptEvent Event,
    ReceiptProof Proof,
    ReceiptTreeHead TreeHead,
    string PublicKeyPem)
{
    public const string FormatName = "compliance-ledger/receipt/v1";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>
    /// The receipt for the event at <paramref name="position"/>, under the latest tree head that
    /// covers it, signing a new one (with <paramref name="issuer"/>) when none does yet.
    /// </summary>
    public static async Task<EventReceipt?> BuildAsync(
        NpgsqlDataSource dataSource, CheckpointIssuer issuer, SigningKey key, string tenant, long position, CancellationToken ct = default)
    {
        StoredEvent stored;
        await using (var command = dataSource.CreateCommand("""
            SELECT global_position, tenant, chain_position, stream_id, stream_version, event_id, event_type, data::text,
                   actor, correlation_id, causation_id, command_id, recorded_at, prev_hash, hash
              FROM ledger.events WHERE tenant = $1 AND chain_position = $2
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }
            stored = LedgerStore.ReadEvent(reader);
        }
        var latest = await CheckpointIssuer.LatestTreeHeadAsync(dataSource, tenant, ct);
        var head = latest is { } l && l.Head.TreeSize >= position ? l.Head : (await issuer.IssueAsync(tenant, ct))?.TreeHead;
        if (head is null || head.TreeSize < position)
        {
            throw new InvalidOperationException($"No tree head of tenant {tenant} covers position {position}.");
        }
        MerkleTree tree;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            tree = await CheckpointIssuer.TreeAsync(connection, null, tenant, head.TreeSize, ct);
        }
        var proof = tree.InclusionProof(position - 1);
        return new EventReceipt(FormatName, ReceiptEvent.Of(stored), new ReceiptProof(position - 1, head.TreeSize, [.. proof.Select(Convert.ToHexStringLower)]),
            ReceiptTreeHead.Of(head), key.PublicKeyPem());
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a receipt; <see cref="FormatException"/> in words when it is not one.</summary>
    public static EventReceipt Parse(string json)
    {
        try
        {
            var receipt = JsonSerializer.Deserialize<EventReceipt>(json, Json);
            return receipt is { Format: FormatName, Event: not null, Proof: not null, TreeHead: not null }
                ? receipt
                : throw new FormatException($"This is not a receipt: it must be JSON with \"format\": \"{FormatName}\", an event, a proof and a tree head.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"This is not a receipt: its JSON does not read ({e.Message})", e);
        }
    }

    /// <summary>
    /// Every way the receipt fails, in words (empty when it holds): the event's hash recomputed
    /// from its fields, the audit path to the tree head's root, and the tree head's signature by
    /// one of <paramref name="trustedKeys"/> (SubjectPublicKeyInfo by key id).
    /// </summary>
    public IReadOnlyList<string> Check(IReadOnlyDictionary<string, byte[]> trustedKeys)
    {
        var problems = new List<string>();
        var e = Event;
        byte[] hash, previous;
        TreeHead head;
        try
        {
            hash = Convert.FromHexString(e.Hash);
            previous = Convert.FromHexString(e.PreviousHash);
            head = TreeHead.ToTreeHead();
        }
        catch (FormatException)
        {
            return ["a hash, the root or the signature is not hex"];
        }
        string data;
        try
        {
            data = CanonicalJson.Canonicalize(e.Data);
        }
        catch (LedgerFormatException x)
        {
            return [$"the event's data cannot be canonicalised: {x.Message}"];
        }
        var digest = ChainHash.Digest(new EventContent(e.Tenant, e.StreamId, e.EventId, e.EventType, data, e.Actor,
            e.CorrelationId, e.CausationId, e.CommandId, e.RecordedAt));
        if (!ChainHash.Link(previous, e.ChainPosition, e.StreamVersion, digest).AsSpan().SequenceEqual(hash))
        {
            problems.Add($"event at position {e.ChainPosition}: its hash is not the hash of its fields: the event was altered");
        }
        if (head.Tenant != e.Tenant || Proof.TreeSize != head.TreeSize || Proof.LeafIndex != e.ChainPosition - 1)
        {
            problems.Add("the proof is not for this event in this tree head (school, tree size or position differ)");
        }
        else if (!MerkleTree.VerifyInclusion(MerkleTree.LeafHash(hash), Proof.LeafIndex, Proof.TreeSize, [.. Proof.Hashes.Select(Convert.FromHexString)], head.Root))
        {
            problems.Add($"the inclusion proof does not lead from the event at position {e.ChainPosition} to the tree head's root");
        }
        if (!trustedKeys.TryGetValue(head.KeyId, out var publicKey))
        {
            problems.Add($"the tree head is signed by key {head.KeyId}, which is not trusted");
        }
        else if (!head.IsSignedBy(publicKey))
        {
            problems.Add("the tree head's signature does not verify: the tree head was altered");
        }
        return problems;
    }
}

/// <summary>The event's fields as stored and hashed (data as its canonical JSON text).</summary>
public sealed record ReceiptEvent(
    string Tenant, long ChainPosition, string StreamId, long StreamVersion, Guid EventId, string EventType, string Data,
    string Actor, string? CorrelationId, string? CausationId, string? CommandId, DateTimeOffset RecordedAt, string PreviousHash, string Hash)
{
    public static ReceiptEvent Of(StoredEvent e) => new(
        e.Tenant, e.ChainPosition, e.StreamId, e.StreamVersion, e.EventId, e.EventType, CanonicalJson.Canonicalize(e.Data), e.Actor,
        e.CorrelationId, e.CausationId, e.CommandId, e.RecordedAt, Convert.ToHexStringLower(e.PreviousHash), Convert.ToHexStringLower(e.Hash));
}

/// <summary>RFC 9162 audit path: zero-based leaf index, tree size, sibling hashes from the leaf up.</summary>
public sealed record ReceiptProof(long LeafIndex, long TreeSize, IReadOnlyList<string> Hashes);

/// <summary>A signed tree head as JSON (hex values; time as for recorded_at).</summary>
public sealed record ReceiptTreeHead(string Tenant, long TreeSize, string Root, string IssuedAt, string KeyId, string Signature)
{
    public static ReceiptTreeHead Of(TreeHead h) => new(
        h.Tenant, h.TreeSize, Convert.ToHexStringLower(h.Root), ChainHash.FormatTimestamp(h.IssuedAt), h.KeyId, Convert.ToHexStringLower(h.Signature));

    /// <summary>The tree head; <see cref="FormatException"/> when a value is missing or not hex (JSON read back may hold nulls).</summary>
    public TreeHead ToTreeHead() => Tenant is null || Root is null || IssuedAt is null || KeyId is null || Signature is null
        ? throw new FormatException("A tree head needs tenant, treeSize, root, issuedAt, keyId and signature.")
        : new(
        Tenant, TreeSize, Convert.FromHexString(Root),
        DateTimeOffset.ParseExact(IssuedAt, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        KeyId, Convert.FromHexString(Signature));
}
