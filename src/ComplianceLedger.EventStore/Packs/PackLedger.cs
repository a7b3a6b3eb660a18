using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.EventStore.Receipts;
using Npgsql;

namespace ComplianceLedger.EventStore.Packs;

/// <summary>The ledger's part of a pack: the signed tree head, the period's events with their proofs, the key and the digest.</summary>
public sealed record PackLedgerFiles(TreeHead Head, PackEventRange Range, IReadOnlyList<PackFile> Files);

/// <summary>
/// Reads a school's events for a period, in one snapshot, under a tree head signed as the pack is
/// built, and writes them as the pack's <c>events.jsonl</c> with an inclusion proof each
/// (docs/ledger-format.md, "tree-head.json and events.jsonl").
/// </summary>
public static class PackLedger
{
    public const string EventsFile = "events.jsonl";
    public const string TreeHeadFile = "tree-head.json";
    public const string PublicKeyFile = "public-key.pem";
    public const string DigestFile = "digest.txt";
    public const string Erased = "erased under retention";

    public static async Task<PackLedgerFiles> ReadAsync(
        NpgsqlDataSource dataSource, CheckpointIssuer issuer, SigningKey key, PersonalDataVault vault,
        string tenant, string schoolName, PackPeriod period, IProgress<long>? eventsRead, CancellationToken ct)
    {
        var head = await HeadSignedByAsync(dataSource, issuer, key, tenant, ct)
            ?? throw new InvalidOperationException($"School {tenant} has no events, so there is no ledger to export.");

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // One snapshot for the range, the hashes and the events; nothing past the tree head.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);

        long? first = null, last = null;
        long inPeriod = 0;
        await using (var range = new NpgsqlCommand("""
            SELECT min(chain_position), max(chain_position), count(*) FROM ledger.events
             WHERE tenant = $1 AND chain_position <= $2 AND recorded_at >= $3 AND recorded_at < $4
            """, connection, transaction))
        {
            range.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            range.Parameters.Add(new NpgsqlParameter<long> { TypedValue = head.TreeSize });
            range.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = period.Start });
            range.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = period.End });
            await using var reader = await range.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (!reader.IsDBNull(0))
            {
                first = period.AsOf ? 1 : reader.GetInt64(0);
                last = reader.GetInt64(1);
                inPeriod = reader.GetInt64(2);
            }
        }

        var events = new List<StoredEvent>();
        MerkleTree? tree = null;
        if (first is { } from && last is { } to)
        {
            tree = await CheckpointIssuer.TreeAsync(connection, transaction, tenant, head.TreeSize, ct);
            await using var command = new NpgsqlCommand("""
                SELECT global_position, tenant, chain_position, stream_id, stream_version, event_id, event_type, data::text,
                       actor, correlation_id, causation_id, command_id, recorded_at, prev_hash, hash
                  FROM ledger.events WHERE tenant = $1 AND chain_position BETWEEN $2 AND $3 ORDER BY chain_position
                """, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = from });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = to });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                events.Add(LedgerStore.ReadEvent(reader));
                if (events.Count % 1000 == 0)
                {
                    eventsRead?.Report(events.Count);
                }
            }
            eventsRead?.Report(events.Count);
        }

        var sealedValues = events.Where(e => e.Data.Contains("pd1:", StringComparison.Ordinal))
            .SelectMany(e => SealedValues(JsonNode.Parse(e.Data)))
            .ToHashSet(StringComparer.Ordinal);
        var opened = sealedValues.Count == 0
            ? new Dictionary<string, string?>()
            : await vault.OpenAsync(tenant, sealedValues, ct);

        var treeHead = new ReceiptTreeHead(head.Tenant, head.TreeSize, Convert.ToHexStringLower(head.Root),
            ChainHash.FormatTimestamp(head.IssuedAt), head.KeyId, Convert.ToHexStringLower(head.Signature));
        var files = new List<PackFile>
        {
            new(EventsFile, EventsJsonl(events, tree, period, opened)),
            new(TreeHeadFile, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(treeHead, EventReceipt.Json))),
            new(PublicKeyFile, Encoding.UTF8.GetBytes(key.PublicKeyPem() + "\n")),
            new(DigestFile, Encoding.UTF8.GetBytes(head.ToDigest(schoolName))),
        };
        return new PackLedgerFiles(head, new PackEventRange(first, last, events.Count, inPeriod), files);
    }

    /// <summary>
    /// The latest tree head, signed by <paramref name="key"/> (the one that signs the manifest). The
    /// issuer signs one at the head when there is none; a head signed by an earlier key, or a
    /// format 1 checkpoint at the head, is signed again here for the pack alone.
    /// </summary>
    static async Task<TreeHead?> HeadSignedByAsync(NpgsqlDataSource dataSource, CheckpointIssuer issuer, SigningKey key, string tenant, CancellationToken ct)
    {
        if (await issuer.IssueAsync(tenant, ct) is not { } checkpoint)
        {
            return null;
        }
        if (checkpoint.TreeHead is { } head && head.KeyId == key.KeyId)
        {
            return head;
        }
        var root = checkpoint.TreeRoot ?? await CheckpointIssuer.TreeRootAsync(dataSource, tenant, checkpoint.Position, ct);
        var issuedAt = ChainHash.TruncateToMicroseconds(DateTimeOffset.UtcNow);
        return new TreeHead(tenant, checkpoint.Position, root, issuedAt, key.KeyId,
            key.Sign(Checkpoint.TreeHeadSignedBytes(tenant, checkpoint.Position, root, issuedAt, key.KeyId)));
    }

    static byte[] EventsJsonl(List<StoredEvent> events, MerkleTree? tree, PackPeriod period, IReadOnlyDictionary<string, string?> opened)
    {
        using var output = new MemoryStream(events.Count * 1600);
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
        {
            foreach (var e in events)
            {
                var data = CanonicalJson.Canonicalize(e.Data);
                json.WriteStartObject();
                json.WriteString("tenant", e.Tenant);
                json.WriteNumber("chainPosition", e.ChainPosition);
                json.WriteString("streamId", e.StreamId);
                json.WriteNumber("streamVersion", e.StreamVersion);
                json.WriteString("eventId", e.EventId);
                json.WriteString("eventType", e.EventType);
                json.WriteString("data", data);
                json.WriteString("actor", e.Actor);
                WriteNullable(json, "correlationId", e.CorrelationId);
                WriteNullable(json, "causationId", e.CausationId);
                WriteNullable(json, "commandId", e.CommandId);
                json.WriteString("recordedAt", ChainHash.FormatTimestamp(e.RecordedAt));
                json.WriteString("previousHash", Convert.ToHexStringLower(e.PreviousHash));
                json.WriteString("hash", Convert.ToHexStringLower(e.Hash));
                json.WriteBoolean("inPeriod", e.RecordedAt >= period.Start && e.RecordedAt < period.End);
                json.WriteStartArray("proof");
                foreach (var sibling in tree!.InclusionProof(e.ChainPosition - 1))
                {
                    json.WriteStringValue(Convert.ToHexStringLower(sibling));
                }
                json.WriteEndArray();
                if (data.Contains("pd1:", StringComparison.Ordinal))
                {
                    json.WritePropertyName("readable");
                    Readable(JsonNode.Parse(data), opened)?.WriteTo(json);
                }
                json.WriteEndObject();
                json.Flush();
                output.WriteByte((byte)'\n');
                json.Reset();
            }
        }
        return output.ToArray();
    }

    static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    static IEnumerable<string> SealedValues(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => SealedValues(p.Value)),
        JsonArray a => a.SelectMany(SealedValues),
        JsonValue v when v.TryGetValue<string>(out var s) && PersonalDataVault.IsSealed(s) => [s],
        _ => [],
    };

    /// <summary>The data with each sealed value as its text, or as the words for a shredded one.</summary>
    static JsonNode? Readable(JsonNode? node, IReadOnlyDictionary<string, string?> opened)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var name in o.Select(p => p.Key).ToList())
                {
                    o[name] = Readable(o[name]?.DeepClone(), opened);
                }
                return o;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    a[i] = Readable(a[i]?.DeepClone(), opened);
                }
                return a;
            case JsonValue v when v.TryGetValue<string>(out var s) && PersonalDataVault.IsSealed(s):
                return JsonValue.Create(opened.TryGetValue(s, out var text) && text is not null ? text : Erased);
            default:
                return node;
        }
    }
}
