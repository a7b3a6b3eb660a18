using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;

namespace ComplianceLedger.Cli.Backup;

/// <summary>A part of the bundle, as the manifest lists it.</summary>
internal sealed record BundlePart(string Name, long Bytes, string Sha256);

/// <summary>A checkpoint public key in the bundle, and where the backup found it.</summary>
internal sealed record BundleKey(string KeyId, string Source);

/// <summary>manifest.json: what the bundle holds, with the SHA-256 of every other part.</summary>
internal sealed record BundleManifest(
    string Format, DateTimeOffset CreatedAt, string Database, string ServerVersion, IReadOnlyList<BundlePart> Parts, IReadOnlyList<BundleKey> Keys);

/// <summary>A school as it stood in the backup's snapshot: its chain head and its latest signed tree head.</summary>
internal sealed record BundleSchool(string Tenant, long ChainPosition, string ChainHash, BundleTreeHead? TreeHead);

internal sealed record BundleTreeHead(long TreeSize, string Root, DateTimeOffset IssuedAt, string KeyId, string Signature);

/// <summary>
/// The backup file: a tar of the pg_dump custom-format dump, the checkpoint public keys, the schools'
/// latest tree heads and governors' digests, and a manifest hashing each. Never a private key or a
/// password. The dump holds the subject keys, so the file is personal data: it is written readable
/// by its owner only.
/// </summary>
internal static class BackupBundle
{
    public const string Format = "compliance-ledger-backup 1";
    public const string ManifestName = "manifest.json";
    public const string DumpName = "ledger.dump";
    public const string KeysName = "public-keys.pem";
    public const string SchoolsName = "tree-heads.json";
    public const string DigestsName = "digests.txt";

    /// <summary>The parts besides the manifest, in the order they are written.</summary>
    public static readonly IReadOnlyList<string> PartNames = [DumpName, KeysName, SchoolsName, DigestsName];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<BundlePart> DescribeAsync(string directory, string name, CancellationToken ct)
    {
        var path = Path.Combine(directory, name);
        await using var stream = File.OpenRead(path);
        var hash = await SHA256.HashDataAsync(stream, ct);
        return new BundlePart(name, stream.Length, Convert.ToHexStringLower(hash));
    }

    /// <summary>Writes the manifest and the parts from <paramref name="directory"/> to <paramref name="file"/>.part, then renames it.</summary>
    public static async Task WriteAsync(string file, string directory, BundleManifest manifest, CancellationToken ct)
    {
        var full = Path.GetFullPath(file);
        var partial = full + ".part";
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            await using (var output = new FileStream(partial, options))
            {
                await using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
                {
                    var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
                    await tar.WriteEntryAsync(Entry(ManifestName, new MemoryStream(manifestBytes)), ct);
                    foreach (var name in PartNames)
                    {
                        await using var data = File.OpenRead(Path.Combine(directory, name));
                        await tar.WriteEntryAsync(Entry(name, data), ct);
                    }
                }
                // On disk before the rename makes it the backup.
                output.Flush(flushToDisk: true);
            }
            File.Move(partial, full, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    static PaxTarEntry Entry(string name, Stream data) => new(TarEntryType.RegularFile, name)
    {
        DataStream = data,
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        ModificationTime = DateTimeOffset.UnixEpoch,
    };

    /// <summary>
    /// Unpacks <paramref name="file"/> into <paramref name="directory"/> and checks every part against
    /// the manifest; throws, naming the part, when one is missing, unexpected, or not what the manifest says.
    /// </summary>
    public static async Task<BundleManifest> OpenAsync(string file, string directory, CancellationToken ct)
    {
        if (!File.Exists(file))
        {
            throw new CliException($"There is no backup file at {file}.");
        }
        var found = new Dictionary<string, BundlePart>(StringComparer.Ordinal);
        BundleManifest? manifest = null;
        try
        {
            await using var input = File.OpenRead(file);
            await using var tar = new TarReader(input);
            while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    continue;
                }
                // An empty part (no digests yet, say) is an entry without a data stream.
                var data = entry.DataStream ?? Stream.Null;
                if (entry.Name == ManifestName)
                {
                    manifest = await ReadManifestAsync(data, file, ct);
                    continue;
                }
                if (!PartNames.Contains(entry.Name) || found.ContainsKey(entry.Name))
                {
                    throw new CliException($"The backup {file} holds a part the format does not have, or holds it twice: {entry.Name}.", ExitCodes.ProblemsFound);
                }
                await using (var target = File.Create(Path.Combine(directory, entry.Name)))
                {
                    await data.CopyToAsync(target, ct);
                }
                found[entry.Name] = await DescribeAsync(directory, entry.Name, ct);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new CliException($"The backup {file} is not a readable backup bundle (tar): {e.Message}", ExitCodes.ProblemsFound);
        }

        if (manifest is null)
        {
            throw new CliException($"The backup {file} has no {ManifestName}: it cannot be checked, so it is not restored.", ExitCodes.ProblemsFound);
        }
        foreach (var expected in manifest.Parts)
        {
            if (!found.TryGetValue(expected.Name, out var actual))
            {
                throw new CliException($"The backup's part {expected.Name} is missing.", ExitCodes.ProblemsFound);
            }
            if (actual.Bytes != expected.Bytes || actual.Sha256 != expected.Sha256)
            {
                throw new CliException(
                    $"The backup's part {expected.Name} is not what its manifest recorded (SHA-256 {actual.Sha256}, {actual.Bytes} bytes; " +
                    $"the manifest says {expected.Sha256}, {expected.Bytes} bytes): the file was changed or damaged. Nothing was restored.",
                    ExitCodes.ProblemsFound);
            }
        }
        if (found.Keys.FirstOrDefault(name => manifest.Parts.All(p => p.Name != name)) is { } unlisted)
        {
            throw new CliException($"The backup's part {unlisted} is not listed in its manifest.", ExitCodes.ProblemsFound);
        }
        if (PartNames.FirstOrDefault(name => !found.ContainsKey(name)) is { } absent)
        {
            throw new CliException($"The backup's part {absent} is missing.", ExitCodes.ProblemsFound);
        }
        return manifest;
    }

    static async Task<BundleManifest> ReadManifestAsync(Stream data, string file, CancellationToken ct)
    {
        BundleManifest? manifest;
        try
        {
            manifest = await JsonSerializer.DeserializeAsync<BundleManifest>(data, Json, ct);
        }
        catch (JsonException e)
        {
            throw new CliException($"The backup's part {ManifestName} is not valid JSON ({e.Message}): the file was changed or damaged.", ExitCodes.ProblemsFound);
        }
        if (manifest is null || manifest.Format != Format || manifest.Parts is null)
        {
            throw new CliException($"The backup's part {ManifestName} in {file} is not a \"{Format}\" manifest.", ExitCodes.ProblemsFound);
        }
        return manifest;
    }
}
