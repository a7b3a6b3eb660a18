using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;

namespace ComplianceLedger.EventStore.Packs;

/// <summary>Writes a pack's files to a zip with the manifest that lists them and its signature.</summary>
public static class PackZip
{
    public static PackManifest Write(
        Stream output, PackSchool school, PackPeriod period, DateTimeOffset generatedAt, string generatedBy,
        PackLedgerFiles ledger, IEnumerable<PackFile> otherFiles, SigningKey key)
    {
        var files = ledger.Files.Concat(otherFiles).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var duplicate = files.GroupBy(f => f.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null || files.Any(f => f.Name is PackManifest.FileName or PackManifest.SignatureFileName))
        {
            throw new InvalidOperationException($"A pack cannot hold two files named {duplicate?.Key ?? "manifest"}.");
        }
        var manifest = new PackManifest(
            PackManifest.FormatName, school, PackManifestPeriod.Of(period), ChainHash.FormatTimestamp(generatedAt), generatedBy,
            PackManifestTreeHead.Of(ledger.Head), ledger.Range,
            [.. files.Select(f => new PackManifestFile(f.Name, f.Content.LongLength, Convert.ToHexStringLower(SHA256.HashData(f.Content))))]);
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, PackManifest.Json);
        var signature = key.Sign(PackManifest.SignedBytes(school.Urn, manifestBytes, ledger.Head.KeyId));

        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        void Add(string name, byte[] content)
        {
            // The large files are mostly hex: the fastest level compresses them nearly as well.
            var entry = zip.CreateEntry(name, content.Length > 1 << 20 ? CompressionLevel.Fastest : CompressionLevel.Optimal);
            entry.LastWriteTime = generatedAt;
            using var stream = entry.Open();
            stream.Write(content);
        }
        Add(PackManifest.FileName, manifestBytes);
        Add(PackManifest.SignatureFileName, Encoding.ASCII.GetBytes(Convert.ToHexStringLower(signature) + "\n"));
        foreach (var file in files)
        {
            Add(file.Name, file.Content);
        }
        return manifest;
    }
}
