using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.EventStore.Checkpoints;

/// <summary>
/// A signed tree head on its own: what a format 2 checkpoint signs, as it travels outside the
/// database (the governors' digest in the board minutes, an evidence pack's tree-head.json, a
/// receipt). With the school's public key, anyone can check it, and check that a later ledger
/// only grew from it.
/// </summary>
public sealed partial record TreeHead(string Tenant, long TreeSize, byte[] Root, DateTimeOffset IssuedAt, string KeyId, byte[] Signature)
{
    public byte[] SignedBytes => Checkpoint.TreeHeadSignedBytes(Tenant, TreeSize, Root, IssuedAt, KeyId);

    public bool IsSignedBy(byte[] subjectPublicKeyInfo) =>
        new Checkpoint(Tenant, TreeSize, new byte[32], IssuedAt, KeyId, Signature, Root).IsSignedBy(subjectPublicKeyInfo);

    /// <summary>
    /// The governors' digest: a few lines a clerk pastes into the board minutes. Every value but the
    /// school's name is signed; <see cref="ParseDigests"/> reads it back from pasted text.
    /// </summary>
    public string ToDigest(string? schoolName = null)
    {
        var signature = Convert.ToHexStringLower(Signature);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"ComplianceLedger digest for school URN {Tenant}{(schoolName is { Length: > 0 } ? $" ({schoolName})" : "")}\n")
            .Append(CultureInfo.InvariantCulture, $"Events: {TreeSize}\n")
            .Append(CultureInfo.InvariantCulture, $"Root: {Convert.ToHexStringLower(Root)}\n")
            .Append(CultureInfo.InvariantCulture, $"Signed: {ChainHash.FormatTimestamp(IssuedAt)}\n")
            .Append(CultureInfo.InvariantCulture, $"Key: {KeyId}\n")
            .Append(CultureInfo.InvariantCulture, $"Signature: {signature[..64]}\n")
            .Append(CultureInfo.InvariantCulture, $"           {signature[64..]}\n");
        return text.ToString();
    }

    /// <summary>
    /// Every digest in <paramref name="text"/> (pasted minutes, a file of several), tolerant of line
    /// breaks and spaces inside the long hex values. Throws <see cref="FormatException"/>, in words,
    /// naming what is missing or malformed.
    /// </summary>
    public static IReadOnlyList<TreeHead> ParseDigests(string text)
    {
        var starts = DigestStart().Matches(text);
        if (starts.Count == 0)
        {
            throw new FormatException("No digest found: a digest begins \"ComplianceLedger digest for school URN\".");
        }
        var heads = new List<TreeHead>();
        for (var i = 0; i < starts.Count; i++)
        {
            var end = i + 1 < starts.Count ? starts[i + 1].Index : text.Length;
            heads.Add(ParseOne(starts[i].Groups["urn"].Value, text[starts[i].Index..end], i + 1));
        }
        return heads;
    }

    static TreeHead ParseOne(string tenant, string text, int number)
    {
        string Field(string label, Regex pattern)
        {
            var match = pattern.Match(text);
            return match.Success
                ? match.Groups["v"].Value
                : throw new FormatException($"Digest {number} (school URN {tenant}) has no valid \"{label}:\" line.");
        }
        static string Hex(string value) => WhiteSpace().Replace(value, "").ToLowerInvariant();

        var size = long.Parse(Field("Events", EventsLine()), NumberStyles.None, CultureInfo.InvariantCulture);
        if (size < 1)
        {
            throw new FormatException($"Digest {number} (school URN {tenant}): \"Events:\" must be at least 1.");
        }
        var root = Hex(Field("Root", RootLine()));
        var signed = Field("Signed", SignedLine());
        var key = Hex(Field("Key", KeyLine()));
        var signature = Hex(Field("Signature", SignatureLine()));
        if (root.Length != 64 || key.Length != 32 || signature.Length != 128)
        {
            throw new FormatException($"Digest {number} (school URN {tenant}): the root must be 64 hex digits, the key 32 and the signature 128.");
        }
        if (!DateTimeOffset.TryParseExact(signed, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var issuedAt))
        {
            throw new FormatException($"Digest {number} (school URN {tenant}): \"Signed:\" must be a time like 2026-12-07T14:00:00.000000Z.");
        }
        return new TreeHead(tenant, size, Convert.FromHexString(root), issuedAt, key, Convert.FromHexString(signature));
    }

    [GeneratedRegex(@"ComplianceLedger digest for school URN (?<urn>\d{6,7})")]
    private static partial Regex DigestStart();

    [GeneratedRegex(@"Events:\s*(?<v>\d{1,18})\b")]
    private static partial Regex EventsLine();

    [GeneratedRegex(@"Root:\s*(?<v>(?:[0-9a-fA-F]\s*){64})")]
    private static partial Regex RootLine();

    [GeneratedRegex(@"Signed:\s*(?<v>\S+)")]
    private static partial Regex SignedLine();

    [GeneratedRegex(@"Key:\s*(?<v>(?:[0-9a-fA-F]\s*){32})")]
    private static partial Regex KeyLine();

    [GeneratedRegex(@"Signature:\s*(?<v>(?:[0-9a-fA-F]\s*){128})")]
    private static partial Regex SignatureLine();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
