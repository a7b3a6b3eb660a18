using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ComplianceLedger.Api.Credentials;

/// <summary>
/// Refuses any request body that carries a secret (a password, PIN, token, one-time code or API
/// key), on every endpoint of the school group, before the body is bound or looked at by anyone
/// else. Logins are lodged as vault references; the ledger never accepts the secret itself. A
/// refusal is a 400 problem that says so and that nothing was stored; neither it nor the log
/// repeats anything from the body, not even member names (someone may type the secret there).
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

    sealed class Guarded;

    /// <summary>Guards every endpoint of the group; <see cref="UseSecretGuard"/> does the work.</summary>
    public static RouteGroupBuilder RefuseSecrets(this RouteGroupBuilder group) => group.WithMetadata(new Guarded());

    public static IApplicationBuilder UseSecretGuard(this IApplicationBuilder app) => app.UseMiddleware<Middleware>();

    /// <summary>Inspects a body: JSON member names and values at any depth; anything unreadable as JSON as plain text.</summary>
    public static Finding Inspect(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return InspectElement(document.RootElement, null);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Malformed JSON (or text that is not UTF-8) is refused later by binding; it must not
            // slip a secret past us first.
            return InspectText(Encoding.UTF8.GetString(body.Span));
        }
    }

    static Finding InspectElement(JsonElement element, string? memberName)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    if (IsSecretName(member.Name))
                    {
                        return Finding.SecretMember;
                    }
                    if (InspectElement(member.Value, member.Name) is var found and not Finding.None)
                    {
                        return found;
                    }
                }
                return Finding.None;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (InspectElement(item, memberName) is var found and not Finding.None)
                    {
                        return found;
                    }
                }
                return Finding.None;
            case JsonValueKind.String:
                var text = element.GetString()!;
                return SecretAssignment().IsMatch(text) || (IsCodeName(memberName) && PinValue().IsMatch(text)) ? Finding.SecretValue : Finding.None;
            case JsonValueKind.Number:
                return IsCodeName(memberName) && PinValue().IsMatch(element.GetRawText()) ? Finding.SecretValue : Finding.None;
            default:
                return Finding.None;
        }
    }

    static Finding InspectText(string text)
    {
        foreach (Match name in QuotedMemberName().Matches(text))
        {
            if (IsSecretName(name.Groups["name"].Value))
            {
                return Finding.SecretMember;
            }
        }
        return SecretAssignment().IsMatch(text) ? Finding.SecretValue : Finding.None;
    }

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

    /// <summary>"password: xyz", "PIN=1234", "api key: …" written into a text value.</summary>
    [GeneratedRegex(@"\b(password|passwd|pwd|passcode|passphrase|pin|secret|token|api[ _-]?key|otp)\s*[:=]\s*\S", RegexOptions.IgnoreCase)]
    private static partial Regex SecretAssignment();

    [GeneratedRegex("^[0-9]{4,8}$")]
    private static partial Regex PinValue();

    [GeneratedRegex(@"""(?<name>[^""\\]{1,200})""\s*:")]
    private static partial Regex QuotedMemberName();

    sealed partial class Middleware(RequestDelegate next, ILogger<Middleware> logger)
    {
        public async Task InvokeAsync(HttpContext http)
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<Guarded>() is null
                || http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
            {
                await next(http);
                return;
            }
            // Read into memory, never a temporary file: a refused body must not touch the disk.
            // The server's body size limit still applies while reading (413 beyond it).
            var length = http.Request.ContentLength is { } declared and > 0 and <= int.MaxValue ? (int)declared : 0;
            var body = new MemoryStream(length);
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            var bytes = body.GetBuffer().AsMemory(0, (int)body.Length);
            var finding = Inspect(bytes);
            if (finding is not Finding.None)
            {
                CryptographicOperations.ZeroMemory(body.GetBuffer());
                LogRefused(http.GetEndpoint()?.DisplayName ?? "endpoint", finding);
                await Refusal(finding).ExecuteAsync(http);
                return;
            }
            body.Position = 0;
            http.Request.Body = body;
            http.Response.RegisterForDispose(body);
            await next(http);
        }

        [LoggerMessage(LogLevel.Warning, "A request carrying a secret ({Finding}) was refused at {Endpoint}; nothing was stored")]
        partial void LogRefused(string endpoint, Finding finding);
    }

    static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refusal(Finding finding) => TypedResults.Problem(
        (finding == Finding.SecretMember
            ? "A secret was refused: the request carried a member named like a password, PIN, token, one-time code or API key."
            : "A secret was refused: the request carried a value that looks like a password, PIN or one-time code.")
        + " Nothing was stored. Record only where the login is kept (a vault reference such as \"KeePass: Comms/Facebook\"), never the secret itself.",
        title: Title,
        statusCode: StatusCodes.Status400BadRequest,
        extensions: new Dictionary<string, object?> { ["secretRefused"] = true, ["stored"] = false });
}
