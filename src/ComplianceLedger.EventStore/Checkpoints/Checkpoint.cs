using System.Globalization;
using System.Security.Cryptography;
using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.EventStore.Checkpoints;

/// <summary>
/// A signed statement about a school's ledger at position P, time I, by key K. A tree head (format 2)
/// signs the Merkle root of the event hashes 1..P, so one event can be proved in it and a later
/// ledger proved to have only grown from it; a format 1 checkpoint (before tree heads) signs the
/// chain's hash at P. <see cref="HeadHash"/> is the chain's hash at P in both; format 2 does not sign it
/// (the root covers it: it is the last leaf).
/// </summary>
public sealed record Checkpoint(string Tenant, long Position, byte[] HeadHash, DateTimeOffset IssuedAt, string KeyId, byte[] Signature, byte[]? TreeRoot = null)
{
    public const string Domain = "compliance-ledger/checkpoint/v1";
    public const string TreeHeadDomain = "compliance-ledger/tree-head/v2";

    public int Format => TreeRoot is null ? 1 : 2;

    /// <summary>The signed tree head, for a format 2 checkpoint.</summary>
    public TreeHead? TreeHead => TreeRoot is { } root ? new TreeHead(Tenant, Position, root, IssuedAt, KeyId, Signature) : null;

    /// <summary>The signed bytes of a format 1 checkpoint: length-prefixed UTF-8 fields, as for event digests (docs/ledger-format.md).</summary>
    public static byte[] SignedBytes(string tenant, long position, ReadOnlySpan<byte> headHash, DateTimeOffset issuedAt, string keyId) =>
        ChainHash.LengthPrefixed(
            Domain, tenant, position.ToString(CultureInfo.InvariantCulture), Convert.ToHexStringLower(headHash),
            ChainHash.FormatTimestamp(issuedAt), keyId);

    /// <summary>The signed bytes of a tree head: the tree's size and root in place of the head hash.</summary>
    public static byte[] TreeHeadSignedBytes(string tenant, long treeSize, ReadOnlySpan<byte> root, DateTimeOffset issuedAt, string keyId) =>
        ChainHash.LengthPrefixed(
            TreeHeadDomain, tenant, treeSize.ToString(CultureInfo.InvariantCulture), Convert.ToHexStringLower(root),
            ChainHash.FormatTimestamp(issuedAt), keyId);

    public byte[] SignedFields => TreeRoot is { } root
        ? TreeHeadSignedBytes(Tenant, Position, root, IssuedAt, KeyId)
        : SignedBytes(Tenant, Position, HeadHash, IssuedAt, KeyId);

    /// <summary>True when <paramref name="subjectPublicKeyInfo"/> signed exactly these fields.</summary>
    public bool IsSignedBy(byte[] subjectPublicKeyInfo)
    {
        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
        {
            // A key that is not an EC public key (e.g. a forged row in signing_keys) signed nothing.
            return false;
        }
        return Signature.Length == 64 && ecdsa.VerifyData(
            SignedFields, Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
