using System.Security.Cryptography;
using System.Text;
using ComplianceLedger.EventStore.LocalPostgres;

namespace ComplianceLedger.Api.SignIn;

/// <summary>
/// The sign-in email's blind index: HMAC-SHA256, under a key kept outside the database, of the
/// lower-cased address. The ledger keeps the address itself sealed with the person's own key
/// (shreddable) and this index beside it, so a verified email from a provider finds its person
/// without the database holding any address in the clear (docs/decisions.md, "Sign-in emails").
/// The key is <c>SignIn:EmailIndexKey</c> (base64, at least 32 bytes) or the file
/// <c>SignIn:EmailIndexKeyFile</c> (made when missing); in Development, a file under <c>.data</c>.
/// </summary>
public sealed class SignInEmails
{
    const int KeySize = 32;
    readonly Lazy<byte[]> key;

    public SignInEmails(IConfiguration configuration, IHostEnvironment environment) =>
        key = new Lazy<byte[]>(() => LoadKey(configuration, environment));

    /// <summary>For tests and tools that hold the key already.</summary>
    public SignInEmails(byte[] key) => this.key = new Lazy<byte[]>(key);

    /// <summary>The address as it is compared and sealed: trimmed and lower-cased.</summary>
    public static string Normalise(string email) => email.Trim().ToLowerInvariant();

    /// <summary>An address with one @, something either side, no spaces or control characters, at most 254 characters.</summary>
    public static bool IsValid(string? email)
    {
        if (email is null)
        {
            return false;
        }
        var e = email.Trim();
        var at = e.IndexOf('@', StringComparison.Ordinal);
        return e.Length is >= 3 and <= 254 && at > 0 && at == e.LastIndexOf('@') && at < e.Length - 1
            && !e.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) && e[(at + 1)..].Contains('.', StringComparison.Ordinal);
    }

    /// <summary>The blind index of the address (lower-case hex).</summary>
    public string Index(string email) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key.Value, Encoding.UTF8.GetBytes(Normalise(email))));

    /// <summary>A key of its own for another purpose (e.g. the links in messages), derived from this one (HKDF), so no second secret is needed.</summary>
    public byte[] DerivedKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Value, 32, info: Encoding.UTF8.GetBytes(purpose));

    static byte[] LoadKey(IConfiguration configuration, IHostEnvironment environment)
    {
        if (configuration["SignIn:EmailIndexKey"] is { Length: > 0 } configured)
        {
            var bytes = Convert.FromBase64String(configured);
            return bytes.Length >= KeySize
                ? bytes
                : throw new InvalidOperationException($"SignIn:EmailIndexKey must be at least {KeySize} bytes (base64).");
        }
        var file = configuration["SignIn:EmailIndexKeyFile"];
        if (string.IsNullOrWhiteSpace(file))
        {
            if (!environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    "No key for the sign-in email index: set SignIn__EmailIndexKeyFile (made when missing) or SignIn__EmailIndexKey (base64, 32 bytes).");
            }
            file = DevelopmentKeyFile(DevelopmentData.Directory(configuration["Ledger:DataDirectory"]));
        }
        return FromFile(file);
    }

    /// <summary>Where Development keeps the key (the app and the CLI's seed-demo both look here).</summary>
    public static string DevelopmentKeyFile(string dataDirectory) => Path.Combine(dataDirectory, "sign-in-email-index.key");

    static byte[] FromFile(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            try
            {
                // CreateNew: of two processes making it at once, one writes and both read the same key.
                using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeySize))));
            }
            catch (IOException) when (File.Exists(path))
            {
            }
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        var bytes = Convert.FromBase64String(File.ReadAllText(path).Trim());
        return bytes.Length >= KeySize ? bytes : throw new InvalidOperationException($"The sign-in email index key at {path} is shorter than {KeySize} bytes.");
    }
}
