using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.Api.Ledger;

/// <summary>
/// <c>Idempotency-Key</c>, scoped and fingerprinted (docs/api.md, "Idempotency-Key"). The key a
/// client sends is theirs alone: the command id stored in the ledger is derived from the school,
/// the signed-in person (or operator) and the operation (method and route template) as well as
/// the key, so another person or another operation using the same string starts a command of its
/// own. The request's fingerprint (method, route template and values, canonical JSON body) is
/// recorded with it; the store replays the first result only for the same fingerprint and refuses
/// anything else with 422 (<see cref="CommandIdReusedException"/>).
/// </summary>
public static class IdempotencyKey
{
    public const string Header = "Idempotency-Key";

    /// <summary>
    /// A page's form carries its key as this hidden field, new each time the form is drawn, so a
    /// double click or a resent form replays the first result instead of recording twice.
    /// </summary>
    public const string FormField = "idempotencyKey";

    public const int MaxLength = 200;

    const string ScopeDomain = "compliance-ledger/idempotency-key/v1";

    const string RequestDomain = "compliance-ledger/request/v1";

    /// <summary>The request's fingerprint and operation, taken before its body is bound, and the key a page's form gave.</summary>
    sealed record Fingerprinted(string Operation, byte[] Fingerprint, string? FormKey = null);

    /// <summary>Fingerprints every request that carries a key, after the secret guard and before binding.</summary>
    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var pageForm = http.Request.HasFormContentType && http.GetEndpoint()?.Metadata.GetMetadata<Web.LedgerPages.PageEndpoint>() is not null;
        if ((http.Request.Headers.ContainsKey(Header) || pageForm) && http.GetEndpoint() is RouteEndpoint endpoint)
        {
            var body = await BodyAsync(http.Request);
            var operation = $"{http.Request.Method} {endpoint.RoutePattern.RawText}";
            string? formKey;
            if (pageForm && http.Request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
            {
                // A browser draws a new boundary each time it sends a form: the fields and the
                // files' SHA-256 are the request, not the bytes, so a resent upload replays.
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                formKey = http.Request.Headers.ContainsKey(Header) ? null : form[FormField].ToString();
                body = await MultipartFingerprintAsync(form, http.RequestAborted);
            }
            else
            {
                formKey = pageForm && !http.Request.Headers.ContainsKey(Header)
                    ? Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseNullableQuery(Encoding.UTF8.GetString(body.Span))?.GetValueOrDefault(FormField).ToString()
                    : null;
            }
            http.Features.Set(new Fingerprinted(operation, Fingerprint(http.Request.Method, endpoint.RoutePattern.RawText ?? "",
                http.Request.RouteValues.Select(v => (v.Key, Convert.ToString(v.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "")),
                body.Span), string.IsNullOrEmpty(formKey) ? null : formKey));
        }
        await next(http);
    });

    /// <summary>
    /// The command id and fingerprint for <paramref name="actor"/>'s request at <paramref name="tenant"/>,
    /// or (null, null) when the request carries no key. A key that is empty, too long or not
    /// visible ASCII is refused with 400.
    /// </summary>
    public static (string? CommandId, byte[]? Fingerprint) For(HttpContext http, string tenant, string actor)
    {
        string? key;
        if (http.Request.Headers.TryGetValue(Header, out var values))
        {
            key = values.Count == 1 ? values[0] : null;
        }
        else if (http.Features.Get<Fingerprinted>()?.FormKey is { } formKey)
        {
            key = formKey;
        }
        else
        {
            return (null, null);
        }
        if (string.IsNullOrEmpty(key) || key.Length > MaxLength || !key.All(c => c is > ' ' and <= '~'))
        {
            throw CommandRefusedException.Invalid(
                $"The Idempotency-Key header must be one value of 1 to {MaxLength} visible ASCII characters; a new UUID for each new request is best.");
        }
        var request = http.Features.Get<Fingerprinted>()
            ?? throw new InvalidOperationException("Idempotency-Key needs UseIdempotencyKeys in the pipeline.");
        return (CommandId(tenant, actor, request.Operation, key), Keyed(request.Fingerprint, key));
    }

    /// <summary>
    /// The fingerprint as the ledger keeps it: an HMAC under the request's own key, which the ledger
    /// never stores. A bare hash of a body that names a person (an email, a name) would let anyone who
    /// reads the database confirm a guess; this one tells only a retry with the same key apart.
    /// </summary>
    static byte[] Keyed(byte[] fingerprint, string key) => HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), fingerprint);

    /// <summary>
    /// <c>key:</c> and the hex SHA-256 of the scope and the key: fits the ledger's command id
    /// pattern whatever the key holds, and one scope's key never names another scope's command.
    /// </summary>
    public static string CommandId(string tenant, string actor, string operation, string key)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in (ReadOnlySpan<string>)[ScopeDomain, tenant, actor, operation, key])
        {
            Field(hash, Encoding.UTF8.GetBytes(part));
        }
        return "key:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// SHA-256 over the method, the route template, the route values (by name) and the body:
    /// its canonical JSON when it is JSON the ledger can canonicalise (so spacing and member order
    /// do not matter), else its bytes. Length-prefixed fields, as in docs/ledger-format.md.
    /// </summary>
    public static byte[] Fingerprint(string method, string routeTemplate, IEnumerable<(string Name, string Value)> routeValues, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Field(hash, Encoding.UTF8.GetBytes(RequestDomain));
        Field(hash, Encoding.UTF8.GetBytes(method.ToUpperInvariant()));
        Field(hash, Encoding.UTF8.GetBytes(routeTemplate));
        var values = routeValues.OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
        Span<byte> count = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(count, values.Count);
        hash.AppendData(count);
        foreach (var (name, value) in values)
        {
            Field(hash, Encoding.UTF8.GetBytes(name));
            Field(hash, Encoding.UTF8.GetBytes(value));
        }
        if (Canonical(body) is { } json)
        {
            Field(hash, "json"u8);
            Field(hash, Encoding.UTF8.GetBytes(json));
        }
        else
        {
            Field(hash, "bytes"u8);
            Field(hash, body);
        }
        return hash.GetHashAndReset();
    }

    static string? Canonical(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }
        try
        {
            return CanonicalJson.Canonicalize(Encoding.UTF8.GetString(body));
        }
        catch (Exception e) when (e is LedgerFormatException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            // Not JSON the ledger could store (binding will refuse it): its bytes are its fingerprint.
            return null;
        }
    }

    static void Field(IncrementalHash hash, ReadOnlySpan<byte> bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }

    /// <summary>A multipart form as its fingerprint reads it: each field by name, then each file's name and SHA-256, length-prefixed.</summary>
    static async Task<ReadOnlyMemory<byte>> MultipartFingerprintAsync(IFormCollection form, CancellationToken ct)
    {
        using var canonical = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Field(canonical, "multipart"u8);
        foreach (var (name, values) in form.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            Field(canonical, Encoding.UTF8.GetBytes(name));
            foreach (var value in values)
            {
                Field(canonical, Encoding.UTF8.GetBytes(value ?? ""));
            }
        }
        foreach (var file in form.Files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            Field(canonical, Encoding.UTF8.GetBytes(file.Name));
            await using var content = file.OpenReadStream();
            Field(canonical, await SHA256.HashDataAsync(content, ct));
        }
        return canonical.GetHashAndReset();
    }

    /// <summary>The body, left readable for binding: read into memory once (never a temporary file) unless already there.</summary>
    static async Task<ReadOnlyMemory<byte>> BodyAsync(HttpRequest request)
    {
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return ReadOnlyMemory<byte>.Empty;
        }
        if (request.Body is MemoryStream seekable)
        {
            var position = seekable.Position;
            seekable.Position = 0;
            var copy = seekable.ToArray();
            seekable.Position = position;
            return copy;
        }
        var length = Hosting.ProblemDetailsSetup.InitialBufferSize(request);
        var body = new MemoryStream(length);
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        body.Position = 0;
        request.Body = body;
        request.HttpContext.Response.RegisterForDispose(body);
        return body.GetBuffer().AsMemory(0, (int)body.Length);
    }
}
