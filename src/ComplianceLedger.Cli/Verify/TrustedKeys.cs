using System.Security.Cryptography;
using ComplianceLedger.EventStore.Checkpoints;

namespace ComplianceLedger.Cli.Verify;

/// <summary>The checkpoint public keys the verifier trusts, by key id, with where each came from.</summary>
internal sealed class TrustedKeys
{
    const string PublicKeyLabel = "PUBLIC KEY";
    readonly Dictionary<string, byte[]> keys = new(StringComparer.Ordinal);
    readonly List<(string KeyId, string Source)> sources = [];

    public IReadOnlyDictionary<string, byte[]> Keys => keys;
    public IReadOnlyList<(string KeyId, string Source)> Sources => sources;
    public int Count => keys.Count;

    /// <summary><c>--public-key</c> for a verb that checks a file offline (a receipt, a pack) which carries its own key.</summary>
    public static System.CommandLine.Option<string[]> OfflineKeyOption(string what) => new("--public-key")
    {
        Description = $"A PEM file with the school's public key; given, it alone is trusted. Without, the key inside the {what}, which proves only that the {what} is whole.",
        HelpName = "file.pem",
    };

    public static System.CommandLine.Option<bool> OfflineStrictOption(string what) =>
        new("--strict") { Description = $"Fail rather than trust the key that came inside the {what}." };

    /// <summary>The keys in these PEM files.</summary>
    public static TrustedKeys FromFiles(IEnumerable<string> paths)
    {
        var trusted = new TrustedKeys();
        foreach (var path in paths)
        {
            trusted.AddPublicKeyFile(path);
        }
        return trusted;
    }

    /// <summary>Adds every SubjectPublicKeyInfo ("PUBLIC KEY") PEM block in the file.</summary>
    public void AddPublicKeyFile(string path) => AddPublicKeyText(Read(path), path);

    /// <summary>Adds every "PUBLIC KEY" PEM block in <paramref name="text"/>, naming <paramref name="source"/> for them and in errors.</summary>
    public void AddPublicKeyText(string text, string source)
    {
        var path = source;
        var found = 0;
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual(PublicKeyLabel))
            {
                var spki = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                Add(Checked(spki, path), path);
                found++;
            }
            rest = rest[fields.Location.End..];
        }
        if (found == 0)
        {
            throw new CliException(text.Contains("PRIVATE KEY", StringComparison.Ordinal)
                ? $"{path} holds a private key; pass its public half instead (openssl pkey -in {path} -pubout)."
                : $"{path} holds no \"{PublicKeyLabel}\" PEM block.");
        }
    }

    /// <summary>Adds the public half of the server's private signing key.</summary>
    public void AddSigningKeyFile(string path, string source)
    {
        try
        {
            using var key = SigningKey.FromFile(path, createIfMissing: false);
            Add(key.PublicKey, source);
        }
        catch (FileNotFoundException)
        {
            throw new CliException($"The checkpoint signing key file {path} ({source}) does not exist.");
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Could not read the checkpoint signing key {path} ({source}): {e.Message}");
        }
    }

    /// <summary>Trusts whatever keys the database itself records (the weak fallback).</summary>
    public void AddRecorded(IReadOnlyDictionary<string, byte[]> recorded)
    {
        foreach (var key in recorded.Values)
        {
            Add(key, "recorded in the database");
        }
    }

    void Add(byte[] spki, string source)
    {
        var keyId = SigningKey.KeyIdOf(spki);
        if (keys.TryAdd(keyId, spki))
        {
            sources.Add((keyId, source));
        }
    }

    static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Could not read the public key file {path}: {e.Message}");
        }
    }

    static byte[] Checked(byte[] spki, string path)
    {
        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
            if (ecdsa.KeySize == 256)
            {
                return spki;
            }
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
        {
        }
        throw new CliException($"{path} does not hold an ECDSA P-256 public key, the kind checkpoints are signed with.");
    }
}
