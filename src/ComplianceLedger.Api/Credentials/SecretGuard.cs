using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace ComplianceLedger.Api.Credentials;

/// <summary>
/// The one guard every request body passes before it is bound or looked at by anyone else: it
/// refuses a body that carries a secret (a password, PIN, token, one-time code, API key, a
/// user:password pair or a long random-looking token) in any member name or value, on every
/// endpoint of the app (school routes, trusts, sign-in). Logins are lodged as vault references;
/// the ledger never accepts the secret itself. A refusal is a 400 problem naming the member
/// (its JSON path) without repeating its value, saying nothing was stored and what to do
/// instead; the log names the endpoint and the member, never the value. What counts as a
/// secret in text is in SecretGuard.Text.cs.
/// </summary>
public static partial class SecretGuard
{
    public const string Title = "Secret refused";

    /// <summary>What the inspection found, without saying what the secret was.</summary>
    public enum Finding
    {
        None,
        SecretMember,
        SecretValue,
    }

    /// <summary>A finding and where: the JSON path of the member (e.g. <c>vaultReference</c>, <c>events[0].data.reason</c>), null when the body is not JSON.</summary>
    public readonly record struct Inspection(Finding Finding, string? Field)
    {
        public static readonly Inspection Clean = new(Finding.None, null);
    }

    public static IApplicationBuilder UseSecretGuard(this IApplicationBuilder app) => app.UseMiddleware<Middleware>();

    /// <summary>
    /// Inspects a body: JSON member names and values at any depth; a form's fields; anything else
    /// as plain text (a multipart form is <see cref="InspectMultipartAsync"/>'s). <paramref name="antiforgeryField"/> names the one form field a page's form
    /// carries that is a token by design (the antiforgery token): it is passed over when it
    /// appears once, and inspected like any other field when repeated.
    /// </summary>
    public static Inspection Inspect(ReadOnlyMemory<byte> body, string? contentType = null, string? antiforgeryField = null)
    {
        if (contentType is not null && contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return InspectForm(Encoding.UTF8.GetString(body.Span), antiforgeryField);
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            return InspectElement(document.RootElement, null, "");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            // Malformed JSON (or text that is not UTF-8) is refused later by binding; it must not
            // slip a secret past us first.
            return InspectText(Encoding.UTF8.GetString(body.Span));
        }
    }

    static Inspection InspectElement(JsonElement element, string? memberName, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    var at = Join(path, member.Name);
                    if (IsSecretName(member.Name) || LooksLikeSecret(member.Name))
                    {
                        return new Inspection(Finding.SecretMember, at);
                    }
                    if (InspectElement(member.Value, member.Name, at) is { Finding: not Finding.None } found)
                    {
                        return found;
                    }
                }
                return Inspection.Clean;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (InspectElement(item, memberName, $"{path}[{index++}]") is { Finding: not Finding.None } found)
                    {
                        return found;
                    }
                }
                return Inspection.Clean;
            case JsonValueKind.String:
                return LooksLikeSecret(element.GetString()!, memberName) ? new Inspection(Finding.SecretValue, path) : Inspection.Clean;
            case JsonValueKind.Number:
                return IsCodeName(memberName) && PinValue().IsMatch(element.GetRawText()) ? new Inspection(Finding.SecretValue, path) : Inspection.Clean;
            default:
                return Inspection.Clean;
        }
    }

    static Inspection InspectRouteValues(RouteValueDictionary values)
    {
        foreach (var (name, value) in values)
        {
            if (value is string text && LooksLikeSecret(text, name))
            {
                return new Inspection(Finding.SecretValue, name);
            }
        }
        return Inspection.Clean;
    }

    static Inspection InspectForm(string text, string? antiforgeryField) =>
        InspectFields((QueryHelpers.ParseNullableQuery(text) ?? []).Select(f => (f.Key, f.Value)), antiforgeryField);

    /// <summary>
    /// A multipart form (a page's upload): its text fields are inspected as a form's are; a file
    /// part (one with a file name) is passed over but for its field name, since a document is not
    /// typed text and its bytes would read as noise. Anything that does not parse as multipart is
    /// inspected as plain text, file and all.
    /// </summary>
    public static async Task<Inspection> InspectMultipartAsync(ReadOnlyMemory<byte> body, string contentType, string? antiforgeryField)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || HeaderUtilities.RemoveQuotes(media.Boundary).Value is not { Length: > 0 } boundary)
        {
            return InspectText(Encoding.UTF8.GetString(body.Span));
        }
        var fields = new Dictionary<string, List<string?>>(StringComparer.Ordinal);
        try
        {
            // Read in place: an upload is up to 20 MB.
            using var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(body.ToArray(), writable: false);
            var reader = new MultipartReader(boundary, stream);
            while (await reader.ReadNextSectionAsync() is { } section)
            {
                var disposition = ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var parsed) ? parsed : null;
                var name = disposition is null ? "" : HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition is not null && disposition.IsFileDisposition())
                {
                    if (IsSecretName(name) || LooksLikeSecret(name))
                    {
                        return new Inspection(Finding.SecretMember, name);
                    }
                    continue;
                }
                using var text = new StreamReader(section.Body, Encoding.UTF8);
                var value = await text.ReadToEndAsync();
                if (disposition is null)
                {
                    if (InspectText(value) is { Finding: not Finding.None } found)
                    {
                        return found;
                    }
                    continue;
                }
                if (!fields.TryGetValue(name, out var values))
                {
                    fields[name] = values = [];
                }
                values.Add(value);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return InspectText(Encoding.UTF8.GetString(body.Span));
        }
        return InspectFields(fields.Select(f => (f.Key, new StringValues([.. f.Value]))), antiforgeryField);
    }

    static Inspection InspectFields(IEnumerable<(string Name, StringValues Values)> fields, string? antiforgeryField)
    {
        foreach (var (name, values) in fields)
        {
            if (name == antiforgeryField && values.Count == 1)
            {
                continue;
            }
            if (IsSecretName(name) || LooksLikeSecret(name))
            {
                return new Inspection(Finding.SecretMember, name);
            }
            if (values.Any(v => v is not null && LooksLikeSecret(v, name)))
            {
                return new Inspection(Finding.SecretValue, name);
            }
        }
        return Inspection.Clean;
    }

    static Inspection InspectText(string text)
    {
        foreach (Match name in QuotedMemberName().Matches(text))
        {
            if (IsSecretName(name.Groups["name"].Value))
            {
                return new Inspection(Finding.SecretMember, null);
            }
        }
        return LooksLikeSecret(text) ? new Inspection(Finding.SecretValue, null) : Inspection.Clean;
    }

    static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    static readonly HashSet<string> SecretWords = new(StringComparer.Ordinal)
    {
        "password", "passwords", "passwd", "pwd", "passcode", "passphrase", "secret", "secrets", "token", "tokens",
        "pin", "pins", "pincode", "otp", "totp", "hotp", "apikey",
    };

    static readonly string[] SecretFragments = ["password", "passwd", "passcode", "passphrase", "apikey", "privatekey"];

    static readonly string[] SecretEndings = ["token", "secret", "pwd", "otp"];

    /// <summary>
    /// Whether a member name looks like a secret's: password, passwd, pwd, secret, token, pin,
    /// passcode, otp, api key… in any case and spelling (camelCase, snake_case, kebab-case,
    /// "API Key", "accesstoken"). Whole words only for the short ones, so "pinned" or "shipping" pass.
    /// </summary>
    public static bool IsSecretName(string name)
    {
        var words = Words(name);
        if (words.Any(SecretWords.Contains))
        {
            return true;
        }
        for (var i = 0; i + 1 < words.Count; i++)
        {
            if (words[i] == "api" && words[i + 1] is "key" or "keys")
            {
                return true;
            }
        }
        var compact = string.Concat(words);
        return SecretFragments.Any(f => compact.Contains(f, StringComparison.Ordinal))
            || SecretEndings.Any(e => compact.EndsWith(e, StringComparison.Ordinal));
    }

    /// <summary>Names where a 4 to 8 digit value is a PIN or one-time code ("code", "accessCode", "pin").</summary>
    static bool IsCodeName(string? name) => name is not null && Words(name) is var words
        && words.Any(w => w is "code" or "codes" or "pin" or "pincode" or "passcode" or "otp");

    static List<string> Words(string name) => [.. WordPattern().Matches(name).Select(m => m.Value.ToLowerInvariant())];

    [GeneratedRegex("[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")]
    private static partial Regex WordPattern();

    [GeneratedRegex("^[0-9]{4,8}$")]
    private static partial Regex PinValue();

    [GeneratedRegex(@"""(?<name>[^""\\]{1,200})""\s*:")]
    private static partial Regex QuotedMemberName();

    /// <summary>
    /// The member's path as the refusal may show it. A name is shown only when it reads like an
    /// ordinary member name; anything else (a name someone may have typed a secret into) is not.
    /// </summary>
    public static string? Shown(string? field)
    {
        if (field is null)
        {
            return null;
        }
        var shown = ShownSegment().Replace(field, m => IsShowable(m.Value) ? m.Value : "(member)");
        return shown.Length <= 100 ? shown : shown[..99] + "…";
    }

    static bool IsShowable(string segment) => segment.All(char.IsAsciiDigit) && segment.Length <= 9 ||
        PlainMemberName().IsMatch(segment) && !LooksLikeSecret(segment)
        && (!IsSecretName(segment) || Words(segment).All(w => PlainSecretNameWords.Contains(w)));

    static readonly HashSet<string> PlainSecretNameWords = new(StringComparer.Ordinal)
    {
        "password", "passwords", "passwd", "pwd", "passcode", "passphrase", "secret", "secrets", "token", "tokens", "pin", "pins",
        "pincode", "otp", "totp", "hotp", "apikey", "api", "key", "keys", "code", "client", "access", "refresh", "auth", "user",
        "login", "sms", "private", "x", "new", "old", "current", "confirm", "account", "admin", "bearer", "session", "id", "privatekey",
        "accesstoken", "clientsecret",
    };

    [GeneratedRegex(@"[^.\[\]]+")]
    private static partial Regex ShownSegment();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex PlainMemberName();

    sealed partial class Middleware(RequestDelegate next, ILogger<Middleware> logger, Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions> antiforgery)
    {
        public async Task InvokeAsync(HttpContext http)
        {
            // Every routed endpoint, inside the school group or not: a route added later (a
            // trust's, sign-in's) is guarded without anyone remembering to.
            if (http.GetEndpoint() is null)
            {
                await next(http);
                return;
            }
            // A command's route values (a policy id, a stream id, a version label) become part of
            // what is recorded, so they are free text too.
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !HttpMethods.IsOptions(http.Request.Method)
                && InspectRouteValues(http.Request.RouteValues) is { Finding: not Finding.None } inRoute)
            {
                await RefuseAsync(http, inRoute);
                return;
            }
            if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
            {
                await next(http);
                return;
            }
            // Read into memory, never a temporary file: a refused body must not touch the disk.
            // The server's body size limit still applies while reading (413 beyond it).
            var length = Hosting.ProblemDetailsSetup.InitialBufferSize(http.Request);
            var body = new MemoryStream(length);
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            var bytes = body.GetBuffer().AsMemory(0, (int)body.Length);
            var inspection = http.Request.ContentType is { } type && type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase)
                ? await InspectMultipartAsync(bytes, type, antiforgery.Value.FormFieldName)
                : Inspect(bytes, http.Request.ContentType, antiforgery.Value.FormFieldName);
            if (inspection.Finding is not Finding.None)
            {
                CryptographicOperations.ZeroMemory(body.GetBuffer());
                await RefuseAsync(http, inspection);
                return;
            }
            body.Position = 0;
            http.Request.Body = body;
            http.Response.RegisterForDispose(body);
            await next(http);
        }

        async Task RefuseAsync(HttpContext http, Inspection inspection)
        {
            var field = Shown(inspection.Field);
            LogRefused(http.GetEndpoint()?.DisplayName ?? "endpoint", inspection.Finding, field ?? "(body)");
            await Refusal(inspection.Finding, field).ExecuteAsync(http);
        }

        [LoggerMessage(LogLevel.Warning, "A request carrying a secret ({Finding}) in {Field} was refused at {Endpoint}; nothing was stored")]
        partial void LogRefused(string endpoint, Finding finding, string field);
    }

    /// <summary>The refusal: which member, that nothing was stored, and what to record instead. Never the value.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refusal(Finding finding, string? field)
    {
        var what = (finding, field) switch
        {
            (Finding.SecretMember, null) => "A secret was refused: the request carried a member named like a password, PIN, token, one-time code or API key.",
            (Finding.SecretMember, _) => $"A secret was refused: the member \"{field}\" is named like a password, PIN, token, one-time code or API key.",
            (_, null) => "A secret was refused: the request body looks like it holds a password, PIN, token, one-time code or key.",
            _ => $"A secret was refused: \"{field}\" looks like it holds a password, PIN, token, one-time code or key.",
        };
        return TypedResults.Problem(
            what + " Nothing was stored. Never write the secret itself: lodge it in the school's vault and give its reference"
                + " (for example \"KeePass: Comms/Facebook\").",
            title: Title,
            statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["field"] = field, ["secretRefused"] = true, ["stored"] = false });
    }
}
