using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;

namespace ComplianceLedger.EventStore.Packs;

/// <summary>
/// What an evidence pack claims, with the SHA-256 of every other file; <c>manifest.sig</c> signs its
/// bytes (docs/ledger-format.md, "manifest.json").
/// </summary>
public sealed record PackManifest(
    string Format,
    PackSchool School,
    PackManifestPeriod Period,
    string GeneratedAt,
    string GeneratedBy,
    PackManifestTreeHead TreeHead,
    PackEventRange Events,
    IReadOnlyList<PackManifestFile> Files)
{
    public const string FormatName = "compliance-ledger/evidence-pack/v1";
    public const string FileName = "manifest.json";
    public const string SignatureFileName = "manifest.sig";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The bytes <c>manifest.sig</c> signs: the pack's domain, the school, the manifest's SHA-256 and the key id.</summary>
    public static byte[] SignedBytes(string urn, ReadOnlySpan<byte> manifest, string keyId) =>
        ChainHash.LengthPrefixed(FormatName, urn, Convert.ToHexStringLower(SHA256.HashData(manifest)), keyId);

    public static bool IsSignedBy(string urn, ReadOnlySpan<byte> manifest, string keyId, byte[] signature, byte[] subjectPublicKeyInfo)
    {
        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
        {
            return false;
        }
        return signature.Length == 64 && ecdsa.VerifyData(
            SignedBytes(urn, manifest, keyId), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}

public sealed record PackSchool(string Urn, string Name);

public sealed record PackManifestPeriod(string From, string To, bool AsOf, string Start, string End)
{
    public static PackManifestPeriod Of(PackPeriod p) =>
        new(p.From.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            p.To.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), p.AsOf, p.StartText, p.EndText);
}

public sealed record PackManifestTreeHead(long TreeSize, string Root, string KeyId)
{
    public static PackManifestTreeHead Of(TreeHead h) => new(h.TreeSize, Convert.ToHexStringLower(h.Root), h.KeyId);
}

/// <summary>The chain positions events.jsonl holds (null when the period has no event), how many lines, how many in the period.</summary>
public sealed record PackEventRange(long? First, long? Last, long Count, long InPeriod);

public sealed record PackManifestFile(string Name, long Bytes, string Sha256);
