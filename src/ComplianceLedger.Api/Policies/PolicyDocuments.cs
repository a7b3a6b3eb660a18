using System.Buffers;
using System.Security.Cryptography;
using Npgsql;

namespace ComplianceLedger.Api.Policies;

/// <summary>
/// The documents of policy versions, kept by their SHA-256 (ledger.policy_documents, 070): the
/// fingerprint is computed from the uploaded bytes as they are read, never taken from the form.
/// Only kinds a browser shows safely are served as themselves; anything else is served as bytes
/// to download, never as a page of this site.
/// </summary>
public static class PolicyDocuments
{
    /// <summary>The upload's limit, raised for its endpoint alone (the app's bodies are 256 KB).</summary>
    public const long MaxBytes = 20 * 1024 * 1024;

    /// <summary>A request body's limit: the document and the form's few text fields.</summary>
    public const long MaxRequestBytes = MaxBytes + 64 * 1024;

    static readonly HashSet<string> Shown = new(StringComparer.OrdinalIgnoreCase)
    {
        "application/pdf",
        "text/plain",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
    };

    public sealed record Document(string Sha256, string ContentType, byte[] Content);

    /// <summary>Reads the upload through SHA-256 as it streams; the bytes are kept for storing.</summary>
    public static async Task<Document> ReadAsync(IFormFile file, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var content = new MemoryStream((int)Math.Min(file.Length, MaxBytes));
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            await using var stream = file.OpenReadStream();
            int read;
            while ((read = await stream.ReadAsync(chunk, ct)) > 0)
            {
                hash.AppendData(chunk, 0, read);
                content.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        var type = file.ContentType?.Split(';')[0].Trim() is { Length: > 0 } given && Shown.Contains(given) ? given.ToLowerInvariant() : "application/octet-stream";
        return new Document(Convert.ToHexStringLower(hash.GetHashAndReset()), type, content.ToArray());
    }

    /// <summary>Keeps a document; the same bytes uploaded again (a resent form, a version republished) are kept once.</summary>
    public static async Task StoreAsync(NpgsqlDataSource dataSource, string tenant, Document document, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO ledger.policy_documents (tenant, document_sha256, content_type, content) VALUES ($1, $2, $3, $4)
            ON CONFLICT (tenant, document_sha256) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = document.Sha256 });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = document.ContentType });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = document.Content });
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<Document?> FindAsync(NpgsqlDataSource dataSource, string tenant, string sha256, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT content_type, content FROM ledger.policy_documents WHERE tenant = $1 AND document_sha256 = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sha256 });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new Document(sha256, reader.GetString(0), reader.GetFieldValue<byte[]>(1)) : null;
    }
}
