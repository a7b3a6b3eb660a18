using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Receipts;
using Npgsql;

namespace ComplianceLedger.Tests.EvidencePacks;

/// <summary>
/// An evidence pack's files written from a real school's ledger with the store's own code (the
/// events as receipts hold them, <see cref="MerkleTree"/>, <see cref="SigningKey"/>), following
/// docs/ledger-format.md's "Evidence packs", so verify.html can be tested on packs and on the
/// tampered packs an attacker could make (a file changed, then re-hashed and re-signed).
/// </summary>
public sealed class TestPack
{
    static readonly JsonSerializerOptions Line = new(EventReceipt.Json) { WriteIndented = false };

    public required string Urn { get; init; }
    public required SortedDictionary<string, byte[]> Files { get; init; }
    public required long First { get; init; }
    public required long Last { get; init; }
    public required long InPeriod { get; init; }
    public required string KeyId { get; init; }

    /// <summary>
    /// The pack of school <paramref name="urn"/>'s events recorded from the time of its event at
    /// <paramref name="fromPosition"/> on, under a tree head over all its events signed now.
    /// </summary>
    public static async Task<TestPack> BuildAsync(NpgsqlDataSource dataSource, string signingKeyPem, string urn, long fromPosition)
    {
        var events = new List<StoredEvent>();
        await using (var command = dataSource.CreateCommand("""
            SELECT global_position, tenant, chain_position, stream_id, stream_version, event_id, event_type, data::text,
                   actor, correlation_id, causation_id, command_id, recorded_at, prev_hash, hash
              FROM ledger.events WHERE tenant = $1 ORDER BY chain_position
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                events.Add(LedgerStore.ReadEvent(reader));
            }
        }
        return Of(events, signingKeyPem, urn, fromPosition);
    }

    /// <summary>
    /// A school of <paramref name="count"/> events made here, hashed and linked as appends do, an
    /// event a second: a large pack with no database, to time the page on.
    /// </summary>
    public static TestPack Synthetic(string signingKeyPem, string urn, int count)
    {
        var events = new List<StoredEvent>(count);
        var versions = new long[100];
        var previous = new byte[32];
        var start = new DateTimeOffset(2026, 9, 1, 7, 0, 0, TimeSpan.Zero);
        for (var p = 1; p <= count; p++)
        {
            var stream = $"person-{p % 100:D3}";
            var version = ++versions[p % 100];
            var e = new EventContent(urn, stream, Guid.NewGuid(), "test.recorded.v1", $"{{\"n\":{p},\"note\":\"entry {p}\"}}", "system:test",
                p % 3 == 0 ? $"corr-{p}" : null, null, $"key:{p:x64}", start.AddSeconds(p));
            var hash = ChainHash.Link(previous, p, version, ChainHash.Digest(e));
            events.Add(new StoredEvent(p, urn, p, e.StreamId, version, e.EventId, e.EventType, e.CanonicalData, e.Actor,
                e.CorrelationId, e.CausationId, e.CommandId, e.RecordedAt, previous, hash));
            previous = hash;
        }
        return Of(events, signingKeyPem, urn, fromPosition: 1);
    }

    static TestPack Of(List<StoredEvent> events, string signingKeyPem, string urn, long fromPosition)
    {
        using var key = SigningKey.FromPem(signingKeyPem);
        var tree = MerkleTree.OfEventHashes(events.Select(e => e.Hash));
        var issuedAt = ChainHash.TruncateToMicroseconds(DateTimeOffset.UtcNow);
        var root = tree.Root;
        var signature = key.Sign(Checkpoint.TreeHeadSignedBytes(urn, tree.Size, root, issuedAt, key.KeyId));
        var head = new TreeHead(urn, tree.Size, root, issuedAt, key.KeyId, signature);

        // The period: from the time of the event at fromPosition to the end of time; the pack holds
        // every position from the lowest to the highest in it.
        var start = ChainHash.FormatTimestamp(events[(int)fromPosition - 1].RecordedAt);
        const string end = "9999-12-31T00:00:00.000000Z";
        bool In(StoredEvent e) => string.CompareOrdinal(ChainHash.FormatTimestamp(e.RecordedAt), start) >= 0;
        var first = events.First(In).ChainPosition;
        var last = events.Last(In).ChainPosition;
        var lines = new StringBuilder();
        foreach (var e in events.Where(e => e.ChainPosition >= first && e.ChainPosition <= last))
        {
            lines.Append(EventLine(e, In(e), tree.InclusionProof(e.ChainPosition - 1))).Append('\n');
        }
        var treeHead = ReceiptTreeHead.Of(head);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["events.jsonl"] = Encoding.UTF8.GetBytes(lines.ToString()),
            ["tree-head.json"] = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(treeHead, EventReceipt.Json)),
            ["public-key.pem"] = Encoding.UTF8.GetBytes(key.PublicKeyPem() + "\n"),
            ["digest.txt"] = Encoding.UTF8.GetBytes(head.ToDigest("Test School")),
            ["report.html"] = Encoding.UTF8.GetBytes($"<!DOCTYPE html><title>Report</title><h1>School {urn}</h1>"),
            ["acknowledgements.csv"] = Encoding.UTF8.GetBytes("person,policy,version\r\np1,social-media,1\r\n"),
            ["verify.html"] = VerifyHtml(),
        };
        var pack = new TestPack
        {
            Urn = urn,
            Files = files,
            First = first,
            Last = last,
            InPeriod = events.Count(e => e.ChainPosition >= first && e.ChainPosition <= last && In(e)),
            KeyId = key.KeyId,
        };
        var manifest = new JsonObject
        {
            ["format"] = "compliance-ledger/evidence-pack/v1",
            ["school"] = new JsonObject { ["urn"] = urn, ["name"] = "Test School" },
            ["period"] = new JsonObject
            {
                ["from"] = start[..10],
                ["to"] = "9999-12-30",
                ["asOf"] = false,
                ["start"] = start,
                ["end"] = end,
            },
            ["generatedAt"] = ChainHash.FormatTimestamp(issuedAt),
            ["generatedBy"] = "system:test",
            ["treeHead"] = new JsonObject { ["treeSize"] = tree.Size, ["root"] = treeHead.Root, ["keyId"] = key.KeyId },
            ["events"] = new JsonObject
            {
                ["first"] = first,
                ["last"] = last,
                ["count"] = last - first + 1,
                ["inPeriod"] = pack.InPeriod,
            },
        };
        files["manifest.json"] = Encoding.UTF8.GetBytes(manifest.ToJsonString(EventReceipt.Json));
        pack.Rehash(signingKeyPem);
        return pack;
    }

    /// <summary>The pack the app's own builder (<see cref="PackFiles.BuildAsync"/>) writes, as files to alter.</summary>
    public static TestPack FromZip(byte[] zip)
    {
        var read = PackFiles.Read(zip);
        var manifest = read.Manifest;
        var events = manifest["events"]!;
        return new TestPack
        {
            Urn = manifest["school"]!["urn"]!.GetValue<string>(),
            Files = new(read.Entries.ToDictionary(e => e.Name, e => e.Content), StringComparer.Ordinal),
            First = events["first"]!.GetValue<long>(),
            Last = events["last"]!.GetValue<long>(),
            InPeriod = events["inPeriod"]!.GetValue<long>(),
            KeyId = manifest["treeHead"]!["keyId"]!.GetValue<string>(),
        };
    }

    /// <summary>A line of events.jsonl: the event as a receipt holds it, its period flag and audit path.</summary>
    public static string EventLine(StoredEvent e, bool inPeriod, IEnumerable<byte[]> proof)
    {
        var line = JsonNode.Parse(JsonSerializer.Serialize(ReceiptEvent.Of(e), Line))!.AsObject();
        line["recordedAt"] = ChainHash.FormatTimestamp(e.RecordedAt);
        line["inPeriod"] = inPeriod;
        line["proof"] = new JsonArray([.. proof.Select(p => JsonValue.Create(Convert.ToHexStringLower(p)))]);
        return line.ToJsonString(Line);
    }

    /// <summary>
    /// What a forger holding the signing key does after changing files: every file's size and hash
    /// written into manifest.json again, and manifest.sig signed again over it.
    /// </summary>
    public void Rehash(string signingKeyPem)
    {
        using var key = SigningKey.FromPem(signingKeyPem);
        var manifest = JsonNode.Parse(Files["manifest.json"])!.AsObject();
        manifest["files"] = new JsonArray([.. Files.Keys.Where(n => n is not "manifest.json" and not "manifest.sig").Select(n => (JsonNode)new JsonObject
        {
            ["name"] = n,
            ["bytes"] = Files[n].Length,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(Files[n])),
        })]);
        Files["manifest.json"] = Encoding.UTF8.GetBytes(manifest.ToJsonString(EventReceipt.Json));
        var signed = ChainHash.LengthPrefixed("compliance-ledger/evidence-pack/v1", Urn,
            Convert.ToHexStringLower(SHA256.HashData(Files["manifest.json"])), key.KeyId);
        Files["manifest.sig"] = Encoding.UTF8.GetBytes(Convert.ToHexStringLower(key.Sign(signed)) + "\n");
    }

    public TestPack Copy() => new()
    {
        Urn = Urn,
        Files = new(Files.ToDictionary(f => f.Key, f => (byte[])f.Value.Clone()), StringComparer.Ordinal),
        First = First,
        Last = Last,
        InPeriod = InPeriod,
        KeyId = KeyId,
    };

    /// <summary>The pack as one zip (deflated entries, as the pack builder writes), in <paramref name="folder"/>.</summary>
    public string WriteZip(string folder, string name = "evidence-pack.zip")
    {
        var path = Path.Combine(folder, name);
        File.Delete(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (file, bytes) in Files)
        {
            using var entry = zip.CreateEntry(file, CompressionLevel.Optimal).Open();
            entry.Write(bytes);
        }
        return path;
    }

    /// <summary>The pack unzipped into <paramref name="folder"/>: the paths of its files.</summary>
    public IReadOnlyList<string> WriteFiles(string folder)
    {
        Directory.CreateDirectory(folder);
        return [.. Files.Select(f =>
        {
            var path = Path.Combine(folder, f.Key);
            File.WriteAllBytes(path, f.Value);
            return path;
        })];
    }

    /// <summary>verify.html as the Api assembly embeds it.</summary>
    public static byte[] VerifyHtml()
    {
        using var stream = typeof(ComplianceLedger.Api.People.Role).Assembly.GetManifestResourceStream("ComplianceLedger.Api.EvidencePacks.verify.html")
            ?? throw new InvalidOperationException("verify.html is not embedded in the Api assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
