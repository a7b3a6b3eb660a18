using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComplianceLedger.Api.EvidencePacks;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Packs;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.EvidencePacks;

/// <summary>A pack's entries by name, in order, to read and to alter as a tamperer would, then zip again.</summary>
public sealed class PackFiles
{
    public List<(string Name, byte[] Content)> Entries { get; } = [];

    public static PackFiles Read(byte[] zip)
    {
        var files = new PackFiles();
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        foreach (var entry in archive.Entries)
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            files.Entries.Add((entry.FullName, buffer.ToArray()));
        }
        return files;
    }

    public byte[] this[string name]
    {
        get => Entries.Single(e => e.Name == name).Content;
        set => Entries[Entries.FindIndex(e => e.Name == name)] = (name, value);
    }

    public string Text(string name) => Encoding.UTF8.GetString(this[name]);

    public JsonObject Manifest => JsonNode.Parse(this[PackManifest.FileName])!.AsObject();

    public List<string> EventLines => [.. Text(PackLedger.EventsFile).Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    public byte[] Zip()
    {
        using var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in Entries)
            {
                using var stream = archive.CreateEntry(name).Open();
                stream.Write(content);
            }
        }
        return output.ToArray();
    }

    /// <summary>
    /// Rewrites the manifest as the server would for the files as they now are, and signs it with
    /// <paramref name="key"/>: what a forger holding the key could do, leaving only the checks
    /// of the files' own content to catch them.
    /// </summary>
    public void ResignManifest(SigningKey key, Action<JsonObject>? change = null)
    {
        var manifest = Manifest;
        var listed = manifest["files"]!.AsArray();
        foreach (var file in listed)
        {
            var content = this[file!["name"]!.GetValue<string>()];
            file["bytes"] = content.Length;
            file["sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));
        }
        change?.Invoke(manifest);
        var bytes = Encoding.UTF8.GetBytes(manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        this[PackManifest.FileName] = bytes;
        var urn = manifest["school"]!["urn"]!.GetValue<string>();
        this[PackManifest.SignatureFileName] = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key.Sign(PackManifest.SignedBytes(urn, bytes, key.KeyId))) + "\n");
    }

    /// <summary>Builds a school's pack through the app's own builder.</summary>
    public static async Task<byte[]> BuildAsync(LedgerApp app, string urn, PackPeriod? period = null)
    {
        var today = SchoolDay.Today(app.Services.GetRequiredService<TimeProvider>());
        using var output = new MemoryStream();
        await app.Services.GetRequiredService<EvidencePackBuilder>().WriteAsync(
            output, new PackOrder(urn, period ?? new PackPeriod(today.AddDays(-30), today, AsOf: false), "system:test", "the tests"), null, default);
        return output.ToArray();
    }

    public static PackVerification Verify(byte[] zip, SigningKey? trusted) =>
        PackVerifier.Verify(new MemoryStream(zip), trusted is null ? null : new Dictionary<string, byte[]> { [trusted.KeyId] = trusted.PublicKey });
}
