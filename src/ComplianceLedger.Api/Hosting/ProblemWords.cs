using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace ComplianceLedger.Api.Hosting;

/// <summary>
/// Says in the user's words what the framework refused: which field (as a JSON path such as
/// <c>kind</c> or <c>roles[0]</c>, or the query parameter), and what was expected there (the allowed
/// values of a list, a date's format), never a .NET type or the framework's own sentence, and never
/// more than a short piece of what was sent.
/// </summary>
static partial class ProblemWords
{
    /// <summary>The most of a request's own text a problem repeats.</summary>
    public const int MaxEcho = 40;

    /// <summary>A piece of the request's input fit to quote: short, and with control characters shown as escapes.</summary>
    public static string Echo(string? input)
    {
        var text = input ?? "";
        var cut = text.Length > MaxEcho ? text[..MaxEcho] + "…" : text;
        return ControlCharacter().Replace(cut, m => $"\\u{(int)m.Value[0]:x4}");
    }

    public static (int Status, string Title, string? Detail) Describe(HttpContext http, BadHttpRequestException e) => e switch
    {
        { InnerException: JsonException json } =>
            (StatusCodes.Status400BadRequest, "The request body does not fit this operation", Describe(http, json)),
        { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
            (e.StatusCode, "Unsupported content type", "Send the body as JSON, with Content-Type: application/json."),
        { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (e.StatusCode, "The request body is too large",
                $"A request body may be at most {ProblemDetailsSetup.MaxRequestBodyBytes / 1024} KB."),
        { StatusCode: StatusCodes.Status408RequestTimeout } =>
            (e.StatusCode, "The request body arrived too slowly", "Send the request again."),
        _ when FailedToBind().Match(e.Message) is { Success: true } m =>
            (StatusCodes.Status400BadRequest, "A value in the request is not valid",
                $"{m.Groups["name"].Value}: expected {Expected(http, ParameterType(http, m.Groups["name"].Value))}; got \"{Echo(m.Groups["value"].Value)}\"."),
        _ when e.Message.Contains("body", StringComparison.OrdinalIgnoreCase)
               && (e.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal) || e.Message.StartsWith("Required parameter", StringComparison.Ordinal)) =>
            (StatusCodes.Status400BadRequest, "The request body is missing", $"Send a JSON object: {Expected(http, BodyType(http))}."),
        _ when RequiredParameter().Match(e.Message) is { Success: true } m =>
            (StatusCodes.Status400BadRequest, "A value in the request is missing",
                $"{m.Groups["name"].Value} is required: {Expected(http, ParameterType(http, m.Groups["name"].Value))}."),
        // Our own refusals (the query check) are already in plain words.
        { Data: IDictionary data } when data.Contains(OwnWords) => (e.StatusCode, "The request could not be read", e.Message),
        _ => (e.StatusCode, "The request could not be read", null),
    };

    /// <summary>
    /// Problems the framework writes by itself (a status code page: no route, a wrong method or media
    /// type) carry only a status and its title; say what to do instead.
    /// </summary>
    public static void Complete(ProblemDetailsContext context)
    {
        context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
        {
            StatusCodes.Status404NotFound => "There is nothing at this address: see /openapi/v1.json for the operations.",
            StatusCodes.Status405MethodNotAllowed => "This address does not take this method: see /openapi/v1.json for the operations.",
            StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON, with Content-Type: application/json.",
            _ => null,
        };
    }

    /// <summary>Marks a <see cref="BadHttpRequestException"/> whose message is written for the user.</summary>
    public const string OwnWords = "ledger:own-words";

    public static BadHttpRequestException InOwnWords(string message)
    {
        var e = new BadHttpRequestException(message);
        e.Data[OwnWords] = true;
        return e;
    }

    static string Describe(HttpContext http, JsonException json)
    {
        var path = json.Path ?? "$";
        var field = path == "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        var target = Walk(http, BodyType(http), path);
        var message = json.Message;
        if (json.InnerException is { } inner && inner.GetType().Name == "JsonReaderException")
        {
            return $"The body is not valid JSON (line {json.LineNumber + 1 ?? 1}, byte {json.BytePositionInLine + 1 ?? 1}{(field is null ? "" : $", at {Echo(field)}")}).";
        }
        if (MissingRequired().Match(message) is { Success: true } missing)
        {
            return $"{(field is null ? "" : $"{field}: ")}required: {missing.Groups["names"].Value.Replace("'", "", StringComparison.Ordinal)}.";
        }
        if (Unmapped().Match(message) is { Success: true } unmapped)
        {
            // The path names the unknown member itself: describe the object that holds it.
            var name = unmapped.Groups["name"].Value;
            var parent = path.EndsWith("." + name, StringComparison.Ordinal) ? path[..^(name.Length + 1)] : path;
            var where = parent == "$" ? "the body" : Echo(parent[2..]);
            return $"\"{Echo(name)}\" is not a field of {where}; expected {Expected(http, Walk(http, BodyType(http), parent))}.";
        }
        if (message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("allow", StringComparison.OrdinalIgnoreCase))
        {
            return $"{field ?? "the body"}: a value is required, not null; expected {Expected(http, target)}.";
        }
        if (message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            return "The body nests too deeply.";
        }
        // A converter of ours refused the value in its own words (a date out of range…).
        if (!message.Contains("Path:", StringComparison.Ordinal) && !FrameworkText().IsMatch(message))
        {
            return field is null ? message : $"{field}: {message}";
        }
        return field is null ? $"The body must be {Expected(http, target)}." : $"{field}: expected {Expected(http, target)}.";
    }

    /// <summary>The type a JSON path leads to in the body's type, as the serializer sees it; null when the path leaves it.</summary>
    static Type? Walk(HttpContext http, Type? type, string path)
    {
        var options = Options(http);
        foreach (Match segment in PathSegment().Matches(path))
        {
            if (type is null)
            {
                return null;
            }
            var info = options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
            if (segment.Groups["index"].Success)
            {
                type = info.ElementType;
                continue;
            }
            var name = segment.Groups["name"].Success ? segment.Groups["name"].Value : segment.Groups["quoted"].Value;
            type = info.Kind == JsonTypeInfoKind.Object
                ? info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.PropertyType
                : info.Kind == JsonTypeInfoKind.Dictionary ? info.ElementType : null;
        }
        return type;
    }

    /// <summary>What a value of the type looks like, in words: an enum's values, a date's format, an object's fields.</summary>
    static string Expected(HttpContext http, Type? type, int depth = 0)
    {
        if (type is null)
        {
            return "a value of the documented shape (see /openapi/v1.json)";
        }
        type = Nullable.GetUnderlyingType(type) ?? type;
        var options = Options(http);
        return type switch
        {
            _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetValues(type).Cast<object>().Select(v => JsonSerializer.Serialize(v, type, options))),
            _ when type == typeof(string) => "text",
            _ when type == typeof(DateOnly) => "a date written yyyy-MM-dd, such as 2026-09-01",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "a time in ISO 8601 with its offset, such as 2026-09-01T09:00:00Z",
            _ when type == typeof(Guid) => "an id (a UUID such as 0192f0c1-7c3a-7b5e-9a7e-1d2c3b4a5f60)",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "a whole number",
            _ when type == typeof(decimal) || type == typeof(double) || type == typeof(float) => "a number",
            _ when type == typeof(JsonElement) => "a JSON value",
            _ => options.GetTypeInfo(type) switch
            {
                { Kind: JsonTypeInfoKind.Enumerable, ElementType: var element } => depth > 1 ? "a list" : $"a list of {Plural(Expected(http, element, depth + 1))}",
                { Kind: JsonTypeInfoKind.Dictionary } => "an object",
                { Kind: JsonTypeInfoKind.Object, Properties: var properties } when depth == 0 && properties.Count > 0 =>
                    "an object with the fields " + string.Join(", ", properties.Select(p => p.Name)),
                _ => "an object",
            },
        };
    }

    static string Plural(string expected) => expected.StartsWith("one of ", StringComparison.Ordinal) ? "values, each " + expected : expected;

    static JsonSerializerOptions Options(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

    // The exception handler runs with the endpoint cleared from the context; its feature keeps it.
    static Endpoint? EndpointOf(HttpContext http) => http.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? http.GetEndpoint();

    static Type? BodyType(HttpContext http) => EndpointOf(http)?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;

    static Type? ParameterType(HttpContext http, string name) =>
        EndpointOf(http)?.Metadata.GetMetadata<MethodInfo>()?.GetParameters()
            .FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.ParameterType;

    [GeneratedRegex("""^Failed to bind parameter "(?<type>.*) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("""^Required parameter "(?<type>.*) (?<name>[^ "]+)" was not provided""")]
    private static partial Regex RequiredParameter();

    [GeneratedRegex("missing required properties including: (?<names>.*?)\\.(?: Path:|$)")]
    private static partial Regex MissingRequired();

    [GeneratedRegex("^The JSON property '(?<name>.*)' could not be mapped", RegexOptions.Singleline)]
    private static partial Regex Unmapped();

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\[(?<index>\d+)\]|\['(?<quoted>(?:[^']|'')*)'\]")]
    private static partial Regex PathSegment();

    [GeneratedRegex(@"System\.|ComplianceLedger\.|Nullable<|\.NET|   at ")]
    private static partial Regex FrameworkText();

    [GeneratedRegex(@"[\u0000-\u001f\u007f]")]
    private static partial Regex ControlCharacter();
}
