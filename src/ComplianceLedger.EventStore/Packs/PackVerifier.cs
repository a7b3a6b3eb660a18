using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Receipts;

namespace ComplianceLedger.EventStore.Packs;

/// <summary>What checking a pack found: each failure naming its file (and line and position), and warnings.</summary>
public sealed record PackVerification(
    IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings, PackManifest? Manifest, TreeHead? Head, long EventsChecked)
{
    public bool Intact => Problems.Count == 0;
}

/// <summary>
/// Checks an evidence pack with nothing but the pack (and, better, a public key got elsewhere):
/// no database, no network. The checks and their order are docs/ledger-format.md's "What a
/// verifier checks".
/// </summary>
public static class PackVerifier
{
    static readonly string[] Required =
        [PackManifest.FileName, PackManifest.SignatureFileName, PackLedger.TreeHeadFile, PackLedger.PublicKeyFile, PackLedger.EventsFile];

    /// <param name="trustedKeys">SubjectPublicKeyInfo by key id; null to trust the pack's own key, with a warning.</param>
    public static PackVerification Verify(Stream zip, IReadOnlyDictionary<string, byte[]>? trustedKeys, IProgress<long>? progress = null)
    {
        var problems = new List<string>();
        var warnings = new List<string>();
        PackVerification Done(PackManifest? m = null, TreeHead? h = null, long checkedEvents = 0) => new(problems, warnings, m, h, checkedEvents);

        // 1. The files.
        Dictionary<string, byte[]> files;
        try
        {
            files = ReadZip(zip, problems);
        }
        catch (InvalidDataException)
        {
            problems.Add("the file is not a zip: an evidence pack is the .zip file as it was downloaded");
            return Done();
        }
        foreach (var name in Required.Where(n => !files.ContainsKey(n)))
        {
            problems.Add($"{name}: missing from the pack");
        }
        if (problems.Count > 0)
        {
            return Done();
        }

        // 2. The key, and whether it is trusted.
        byte[] packKey;
        ReceiptTreeHead? headJson;
        TreeHead head;
        try
        {
            packKey = PublicKeyOf(files[PackLedger.PublicKeyFile]);
        }
        catch (FormatException e)
        {
            problems.Add($"{PackLedger.PublicKeyFile}: {e.Message}");
            return Done();
        }
        try
        {
            headJson = JsonSerializer.Deserialize<ReceiptTreeHead>(files[PackLedger.TreeHeadFile], EventReceipt.Json);
            head = headJson?.ToTreeHead() ?? throw new FormatException();
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentNullException)
        {
            problems.Add($"{PackLedger.TreeHeadFile}: not a tree head (JSON with tenant, treeSize, root, issuedAt, keyId and signature in hex)");
            return Done();
        }
        var packKeyId = SigningKey.KeyIdOf(packKey);
        if (packKeyId != head.KeyId)
        {
            problems.Add($"{PackLedger.PublicKeyFile}: its key id is {packKeyId}, but the tree head is signed by key {head.KeyId}");
        }
        byte[] key;
        if (trustedKeys is null)
        {
            key = packKey;
            warnings.Add($"The pack was checked against its own public key (key id {packKeyId}). That proves the pack is as it was made, "
                + "not who made it: compare the key id with a digest kept outside, such as the one in the board minutes, or give the school's key with --public-key.");
        }
        else if (!trustedKeys.TryGetValue(head.KeyId, out key!))
        {
            problems.Add($"{PackLedger.TreeHeadFile}: signed by key {head.KeyId}, which is not a key you gave: the pack was not signed by the school's ledger");
            return Done(h: head);
        }

        // 3. The manifest's signature, then every file against it.
        var manifestBytes = files[PackManifest.FileName];
        PackManifest? manifest = null;
        try
        {
            manifest = JsonSerializer.Deserialize<PackManifest>(manifestBytes, PackManifest.Json);
        }
        catch (JsonException)
        {
        }
        if (manifest is not
            {
                Format: PackManifest.FormatName, School.Urn: not null, Period: { Start: not null, End: not null }, TreeHead: { Root: not null, KeyId: not null },
                Events: not null, Files: not null,
            } || manifest.Files.Any(f => f is not { Name: not null, Sha256: not null }))
        {
            problems.Add($"{PackManifest.FileName}: not an evidence pack's manifest (format {PackManifest.FormatName}): it was altered");
            return Done(h: head);
        }
        if (!TryHex(Encoding.ASCII.GetString(files[PackManifest.SignatureFileName]).Trim(), 64, out var signature)
            || !PackManifest.IsSignedBy(manifest.School.Urn, manifestBytes, head.KeyId, signature, key))
        {
            problems.Add($"{PackManifest.FileName} or {PackManifest.SignatureFileName}: the manifest's signature does not verify: one of them was altered");
        }
        // The events are checked while the files are hashed: hashing events.jsonl is a fifth of the time.
        var eventProblems = new List<string>();
        var events = Task.Run(() => PackEvents.Check(files[PackLedger.EventsFile], manifest, head, eventProblems, progress));
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            listed.Add(file.Name);
            if (!files.TryGetValue(file.Name, out var content))
            {
                problems.Add($"{file.Name}: listed in the manifest but missing from the pack");
            }
            else if (content.LongLength != file.Bytes || Convert.ToHexStringLower(SHA256.HashData(content)) != file.Sha256)
            {
                problems.Add($"{file.Name}: its SHA-256 is not the manifest's: the file was altered");
            }
        }
        foreach (var name in files.Keys.Where(n => n is not (PackManifest.FileName or PackManifest.SignatureFileName) && !listed.Contains(n)).Order(StringComparer.Ordinal))
        {
            problems.Add($"{name}: in the pack but not in the manifest: it was added");
        }

        // 4. The tree head.
        if (!head.IsSignedBy(key))
        {
            problems.Add($"{PackLedger.TreeHeadFile}: its signature does not verify: the tree head was altered");
        }
        if (head.Tenant != manifest.School.Urn || head.TreeSize != manifest.TreeHead.TreeSize
            || Convert.ToHexStringLower(head.Root) != manifest.TreeHead.Root || head.KeyId != manifest.TreeHead.KeyId)
        {
            problems.Add($"{PackLedger.TreeHeadFile}: its school, size, root or key id is not the manifest's");
        }

        // 5 to 8. The events.
        var checkedEvents = events.GetAwaiter().GetResult();
        problems.AddRange(eventProblems);
        return Done(manifest, head, checkedEvents);
    }

    static Dictionary<string, byte[]> ReadZip(Stream zip, List<string> problems)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        foreach (var entry in archive.Entries)
        {
            if (entry.FullName.EndsWith('/'))
            {
                continue;
            }
            using var stream = entry.Open();
            // Sized as the entry says, so the bytes are not copied again (a lie about the size costs only a copy).
            using var buffer = new MemoryStream(checked((int)Math.Max(entry.Length, 0)));
            try
            {
                stream.CopyTo(buffer);
            }
            catch (InvalidDataException)
            {
                problems.Add($"{entry.FullName}: its compressed bytes do not read: the file was altered");
                continue;
            }
            var content = buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
            if (!files.TryAdd(entry.FullName, content))
            {
                problems.Add($"{entry.FullName}: in the pack twice");
            }
        }
        return files;
    }

    /// <summary>The SubjectPublicKeyInfo in a PEM "PUBLIC KEY", checked to be a P-256 key.</summary>
    public static byte[] PublicKeyOf(byte[] pem)
    {
        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(Encoding.ASCII.GetString(pem));
            return ecdsa.KeySize == 256
                ? ecdsa.ExportSubjectPublicKeyInfo()
                : throw new FormatException("not an ECDSA P-256 public key");
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or PlatformNotSupportedException)
        {
            throw new FormatException("not a PEM \"PUBLIC KEY\" (ECDSA P-256): it was altered", e);
        }
    }

    static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    internal static bool TryHex(string text, int bytes, out byte[] value)
    {
        value = [];
        // Lower case only, as written: a byte flipped from 'a' to 'A' is an alteration too.
        if (text.Length != 2 * bytes || text.AsSpan().ContainsAnyExcept(LowerHex))
        {
            return false;
        }
        try
        {
            value = Convert.FromHexString(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
