using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace ComplianceLedger.EventStore.PersonalData;

/// <summary>
/// Seals personal details (names, free-text notes about people) with a per-subject
/// AES-256-GCM key before they go into an event, and opens them for display. A sealed value
/// reads <c>pd1:&lt;subject id&gt;:&lt;base64url(nonce ‖ ciphertext ‖ tag)&gt;</c>; the tenant and
/// subject are authenticated as associated data, so a value cannot be moved to another person.
/// Shredding a subject's key makes every sealed value of theirs unreadable for good.
/// </summary>
public sealed class PersonalDataVault(NpgsqlDataSource dataSource, TimeProvider time)
{
    const string Prefix = "pd1:";
    const int NonceSize = 12;
    const int TagSize = 16;

    public static bool IsSealed(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The subject whose key sealed the value (the key to shred to erase it), or null when it is not a sealed value.</summary>
    public static Guid? SubjectOf(string value) => Parse(value)?.Subject;

    public async Task<string> SealAsync(string tenant, Guid subject, string plaintext, CancellationToken ct = default) =>
        Seal(tenant, subject, await KeyForSealingAsync(tenant, subject, ct), plaintext);

    /// <summary>
    /// Seals many values in one round trip, each subject's key made (or found) by one statement:
    /// an import's thousands of people, without a key-store write each.
    /// </summary>
    public async Task<IReadOnlyList<string>> SealManyAsync(string tenant, IReadOnlyList<(Guid Subject, string Plaintext)> values, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var subjects = values.Select(v => v.Subject).Distinct().ToArray();
        if (subjects.Length == 0)
        {
            return [];
        }
        var keys = new Dictionary<Guid, byte[]?>();
        await using (var command = dataSource.CreateCommand("""
            WITH wanted AS (SELECT * FROM unnest($2::uuid[], $3::bytea[]) AS w (subject_id, key)),
                 created AS (
                INSERT INTO ledger.subject_keys (tenant, subject_id, key, created_at) SELECT $1, subject_id, key, $4 FROM wanted
                ON CONFLICT (tenant, subject_id) DO NOTHING
                RETURNING subject_id, key)
            SELECT subject_id, key FROM created
            UNION ALL
            SELECT k.subject_id, k.key FROM ledger.subject_keys k JOIN wanted w ON w.subject_id = k.subject_id WHERE k.tenant = $1
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = subjects });
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. subjects.Select(_ => RandomNumberGenerator.GetBytes(32))] });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                // The statement's snapshot: a key it made, or the one already there (perhaps shredded).
                keys[reader.GetGuid(0)] = reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1);
            }
        }
        return [.. values.Select(v => Seal(tenant, v.Subject, keys.GetValueOrDefault(v.Subject)
            ?? throw new InvalidOperationException($"The personal data of subject {v.Subject} was erased; nothing new can be recorded for them."), v.Plaintext))];
    }

    static string Seal(string tenant, Guid subject, byte[] key, string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key, TagSize))
        {
            aes.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), AssociatedData(tenant, subject));
        }
        return $"{Prefix}{subject:D}:{Base64Url.EncodeToString(output)}";
    }

    /// <summary>Opens sealed values in one round trip. A shredded (or unreadable) value maps to null.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> OpenAsync(string tenant, IEnumerable<string> sealedValues, CancellationToken ct = default)
    {
        var parsed = sealedValues.Distinct(StringComparer.Ordinal).Select(v => (Value: v, Parts: Parse(v))).ToList();
        var keys = await KeysAsync(tenant, parsed.Where(p => p.Parts is not null).Select(p => p.Parts!.Value.Subject).Distinct(), ct);
        var opened = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (value, parts) in parsed)
        {
            opened[value] = parts is { } p && keys.TryGetValue(p.Subject, out var key) && key is not null
                ? Decrypt(tenant, p.Subject, key, p.Payload)
                : null;
        }
        return opened;
    }

    public async Task<string?> OpenAsync(string tenant, string sealedValue, CancellationToken ct = default) =>
        (await OpenAsync(tenant, [sealedValue], ct))[sealedValue];

    /// <summary>Destroys the subject's key. Returns false when there was no live key.</summary>
    public async Task<bool> ShredAsync(string tenant, Guid subject, string shreddedBy, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE ledger.subject_keys SET key = NULL, shredded_at = $3, shredded_by = $4
             WHERE tenant = $1 AND subject_id = $2 AND key IS NOT NULL
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = subject });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = shreddedBy });
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Who shredded each of these subjects' keys (<c>shredded_by</c>), for the shredded ones only: a reader says why a value is gone.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> ShreddedByAsync(string tenant, IEnumerable<Guid> subjects, CancellationToken ct = default)
    {
        var found = new Dictionary<Guid, string>();
        var ids = subjects.Distinct().ToArray();
        if (ids.Length == 0)
        {
            return found;
        }
        await using var command = dataSource.CreateCommand(
            "SELECT subject_id, COALESCE(shredded_by, '') FROM ledger.subject_keys WHERE tenant = $1 AND subject_id = ANY($2) AND key IS NULL");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found[reader.GetGuid(0)] = reader.GetString(1);
        }
        return found;
    }

    async Task<byte[]> KeyForSealingAsync(string tenant, Guid subject, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            WITH created AS (
                INSERT INTO ledger.subject_keys (tenant, subject_id, key, created_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (tenant, subject_id) DO NOTHING
                RETURNING key)
            SELECT key FROM created
            UNION ALL
            SELECT key FROM ledger.subject_keys WHERE tenant = $1 AND subject_id = $2
            LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = subject });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = RandomNumberGenerator.GetBytes(32) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
        return await command.ExecuteScalarAsync(ct) as byte[]
            ?? throw new InvalidOperationException($"The personal data of subject {subject} was erased; nothing new can be recorded for them.");
    }

    async Task<Dictionary<Guid, byte[]?>> KeysAsync(string tenant, IEnumerable<Guid> subjects, CancellationToken ct)
    {
        var keys = new Dictionary<Guid, byte[]?>();
        var ids = subjects.ToArray();
        if (ids.Length == 0)
        {
            return keys;
        }
        await using var command = dataSource.CreateCommand("SELECT subject_id, key FROM ledger.subject_keys WHERE tenant = $1 AND subject_id = ANY($2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            keys[reader.GetGuid(0)] = reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1);
        }
        return keys;
    }

    static (Guid Subject, byte[] Payload)? Parse(string value)
    {
        if (!IsSealed(value))
        {
            return null;
        }
        var rest = value.AsSpan(Prefix.Length);
        var colon = rest.IndexOf(':');
        if (colon < 0 || !Guid.TryParse(rest[..colon], out var subject))
        {
            return null;
        }
        try
        {
            var payload = Base64Url.DecodeFromChars(rest[(colon + 1)..]);
            return payload.Length >= NonceSize + TagSize ? (subject, payload) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    static string? Decrypt(string tenant, Guid subject, byte[] key, byte[] payload)
    {
        var length = payload.Length - NonceSize - TagSize;
        var plain = new byte[length];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(payload.AsSpan(0, NonceSize), payload.AsSpan(NonceSize, length), payload.AsSpan(NonceSize + length), plain, AssociatedData(tenant, subject));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        return Encoding.UTF8.GetString(plain);
    }

    static byte[] AssociatedData(string tenant, Guid subject) => Encoding.UTF8.GetBytes($"{tenant}/{subject:D}");
}
