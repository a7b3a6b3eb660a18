using System.Globalization;
using System.Security.Cryptography;
using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.EventStore.Checkpoints;

/// <summary>A signed statement: tenant T's chain had hash H at position P at time I.</summary>
public sealed record Checkpoint(string Tenant, long Position, byte[] HeadHash, DateTimeOffset IssuedAt, string KeyId, byte[] Signature)
{
    public const string Domain = "compliance-ledger/checkpoint/v1";

    /// <summary>The signed bytes: length-prefixed UTF-8 fields, as for event digests (docs/ledger-format.md).</summary>
    public static byte[] SignedBytes(string tenant, long position, ReadOnlySpan<byte> headHash, DateTimeOffset issuedAt, string keyId) =>
        ChainHash.LengthPrefixed(
            Domain, tenant, position.ToString(CultureInfo.InvariantCulture), Convert.ToHexStringLower(headHash),
            ChainHash.FormatTimestamp(issuedAt), keyId);

    /// <summary>True when <paramref name="subjectPublicKeyInfo"/> signed exactly these fields.</summary>
    public bool IsSignedBy(byte[] subjectPublicKeyInfo)
    {
        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        }
        catch (CryptographicException)
        {
            // A key that is not an EC public key (e.g. a forged row in signing_keys) signed nothing.
            return false;
        }
        return Signature.Length == 64 && ecdsa.VerifyData(
            SignedBytes(Tenant, Position, HeadHash, IssuedAt, KeyId), Signature,
            HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
