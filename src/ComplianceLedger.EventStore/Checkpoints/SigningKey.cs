using System.Security.Cryptography;

namespace ComplianceLedger.EventStore.Checkpoints;

/// <summary>
/// The server's ECDSA P-256 checkpoint key. Its id is the first 16 bytes, in hex, of
/// SHA-256 over the public key's SubjectPublicKeyInfo, so anyone holding the public key
/// can recompute it.
/// </summary>
public sealed class SigningKey : IDisposable
{
    readonly ECDsa key;

    SigningKey(ECDsa key)
    {
        this.key = key;
        PublicKey = key.ExportSubjectPublicKeyInfo();
        KeyId = KeyIdOf(PublicKey);
    }

    public string KeyId { get; }
    public byte[] PublicKey { get; }

    public static string KeyIdOf(byte[] subjectPublicKeyInfo) =>
        Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo).AsSpan(0, 16));

    public static SigningKey FromPem(string pem)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(pem);
        if (ecdsa.KeySize != 256)
        {
            ecdsa.Dispose();
            throw new InvalidOperationException("The checkpoint signing key must be ECDSA P-256.");
        }
        return new SigningKey(ecdsa);
    }

    /// <summary>A new key, held in memory only.</summary>
    public static SigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Loads the key at <paramref name="path"/>, first creating it (readable by its owner only) when <paramref name="createIfMissing"/>.</summary>
    public static SigningKey FromFile(string path, bool createIfMissing)
    {
        if (!File.Exists(path))
        {
            if (!createIfMissing)
            {
                throw new FileNotFoundException($"No checkpoint signing key at {path}.", path);
            }
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, created.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        return FromPem(File.ReadAllText(path));
    }

    public byte[] Sign(ReadOnlySpan<byte> message) =>
        key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>The private key, for handing this key to the app's services in process (the CLI's export); never written anywhere by the ledger.</summary>
    public string PrivateKeyPem() => key.ExportPkcs8PrivateKeyPem();

    public string PublicKeyPem() => PemEncoding.WriteString("PUBLIC KEY", PublicKey);

    public void Dispose() => key.Dispose();
}
