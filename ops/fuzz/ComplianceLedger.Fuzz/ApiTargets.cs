using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ComplianceLedger.Fuzz;

/// <summary>An operation of the OpenAPI document, with what it takes.</summary>
sealed record ApiOperation(string Path, HttpMethod Method, IReadOnlyList<string> PathParameters,
    IReadOnlyList<(string Name, JsonNode? Schema)> Query, JsonNode? Body)
{
    public string Name => $"{Method} {Path}";

    public bool Writes => Method != HttpMethod.Get;

    /// <summary>The operations a signed-in person can call: signing out and the development sign-in are left out.</summary>
    public static IReadOnlyList<ApiOperation> Read(JsonNode document)
    {
        var operations = new List<ApiOperation>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            if (path.StartsWith("/dev/", StringComparison.Ordinal) || path.EndsWith("/sign-out", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var (verb, operation) in item!.AsObject())
            {
                if (verb is not ("get" or "post" or "put" or "delete" or "patch"))
                {
                    continue;
                }
                var parameters = operation!["parameters"]?.AsArray().Select(p => p!).ToList() ?? [];
                var inPath = Regex.Matches(path, "{([^}]+)}").Select(m => m.Groups[1].Value).ToList();
                var query = parameters.Where(p => (string?)p["in"] == "query").Select(p => ((string)p["name"]!, p["schema"])).ToList();
                var body = operation["requestBody"]?["content"]?["application/json"]?["schema"];
                operations.Add(new ApiOperation(path, new HttpMethod(verb.ToUpperInvariant()), inPath, query, body));
            }
        }
        return operations;
    }
}

/// <summary>
/// Builds requests for the API's operations: a well-formed request from the operation's schema
/// (which may well be accepted, and carries markup into names and notes), then one hostile change.
/// </summary>
sealed class ApiRequests(JsonNode document, Hostile hostile, IdPool ids)
{
    static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json; charset=utf-16", "application/json; charset=\"\u00e9\"", "application/problem+json", "*/*", ";;", "",
    ];

    public FuzzRequest Build(ApiOperation operation, FuzzMember member, long n)
    {
        var roll = hostile.Random.Next(100);
        var mutation = !operation.Writes
            ? roll switch { < 30 => "valid", < 60 => "path", < 85 => "query", _ => "header" }
            : roll switch
            {
                < 25 => "valid",
                < 40 => "field",
                < 47 => "all-fields",
                < 55 => "broken-json",
                < 60 => "missing",
                < 65 => "duplicate-keys",
                < 71 => "content-type",
                < 79 => "path",
                < 85 => "query",
                < 92 => "if-match",
                _ => "idempotency-key",
            };
        if (mutation == "query" && operation.Query.Count == 0)
        {
            mutation = "path";
        }
        if (mutation == "path" && operation.PathParameters.Count == 0)
        {
            mutation = "valid";
        }

        var hostileParameter = mutation == "path" ? hostile.Pick(operation.PathParameters) : null;
        var path = Regex.Replace(operation.Path, "{([^}]+)}", m => m.Groups[1].Value == hostileParameter
            ? hostile.Pick(Hostile.Segments)
            : Uri.EscapeDataString(PathValue(m.Groups[1].Value, member, operation.Writes)));
        var query = new List<string>();
        var hostileQuery = mutation == "query" ? hostile.Pick(operation.Query).Name : null;
        foreach (var (name, schema) in operation.Query)
        {
            if (name == hostileQuery)
            {
                query.Add($"{name}={Hostile.Encode(hostile.Text(n))}");
                if (hostile.Chance(0.3))
                {
                    query.Add($"{name}=1");
                }
            }
            else if (hostile.Chance(0.5))
            {
                query.Add($"{name}={Hostile.Encode(Scalar(Value(schema, name, member, n, 0)))}");
            }
        }
        var url = query.Count == 0 ? path : $"{path}?{string.Join('&', query)}";

        byte[]? body = null;
        string? contentType = null;
        var mustRefuse = false;
        if (operation.Writes)
        {
            contentType = "application/json";
            var valid = Value(operation.Body, "body", member, n, 0);
            string text;
            switch (mutation)
            {
                case "field" when valid is JsonObject fields && fields.Count > 0:
                    fields[hostile.Pick(fields.Select(f => f.Key).ToList())] = hostile.Json(n);
                    text = fields.ToJsonString();
                    break;
                case "all-fields" when valid is JsonObject all && all.Count > 0:
                    var value = hostile.Json(n);
                    foreach (var key in all.Select(f => f.Key).ToList())
                    {
                        all[key] = value?.DeepClone();
                    }
                    text = all.ToJsonString();
                    break;
                case "missing":
                    text = valid is JsonObject some && some.Count > 1 ? Without(some, hostile.Pick(some.Select(f => f.Key).ToList())) : "{}";
                    break;
                case "duplicate-keys" when valid is JsonObject twice && twice.Count > 0:
                    var repeated = hostile.Pick(twice.Select(f => f.Key).ToList());
                    var json = twice.ToJsonString();
                    text = $"{json[..^1]},\"{repeated}\":{hostile.Json(n)?.ToJsonString() ?? "null"}}}";
                    break;
                case "broken-json":
                    text = hostile.BrokenJson(n);
                    mustRefuse = operation.Body is not null && text is not ("{}" or "\uFEFF{}" or "/* c */ {}");
                    break;
                case "content-type":
                    text = valid?.ToJsonString() ?? "{}";
                    contentType = hostile.Pick(ContentTypes);
                    // application/problem+json is JSON too (a +json type), and may be read as such.
                    mustRefuse = operation.Body is not null && !contentType.StartsWith("application/json", StringComparison.Ordinal)
                        && !contentType.Contains("+json", StringComparison.Ordinal);
                    break;
                default:
                    text = valid?.ToJsonString() ?? "{}";
                    break;
            }
            body = Encoding.UTF8.GetBytes(text);
            if (contentType.Length == 0)
            {
                contentType = null;
            }
        }

        var request = new FuzzRequest(operation.Name, operation.Method, url, mutation) { Body = body, ContentType = contentType, MustRefuse = mustRefuse };
        if (mutation == "if-match")
        {
            request.Headers.Add(new("If-Match", hostile.Pick(Hostile.IfMatch)));
        }
        else if (mutation == "idempotency-key" || (mutation == "header" && hostile.Chance(0.5)))
        {
            request.Headers.Add(new("Idempotency-Key", hostile.IdempotencyKey(n)));
        }
        else if (mutation == "header")
        {
            request.Headers.Add(new(hostile.Pick<string>(["Accept", "Accept-Language", "X-Forwarded-For", "Cookie"]), hostile.Text(n)));
        }
        return request;
    }

    static string Without(JsonObject body, string key)
    {
        body.Remove(key);
        return body.ToJsonString();
    }

    /// <summary>A well-formed path value: the member's school, a known id of that name, or a random id.</summary>
    string PathValue(string name, FuzzMember member, bool writes)
    {
        if (name == "urn")
        {
            return hostile.Chance(0.95) ? member.Urn : hostile.Pick<string>(["100000", "999999", member.Urn + "0"]);
        }
        if (name is "trustId")
        {
            return ids.Pick(hostile, name, writes) ?? "trust-fuzz";
        }
        if (name is "position")
        {
            return hostile.Random.Next(1, 200).ToString(CultureInfo.InvariantCulture);
        }
        return ids.Pick(hostile, name, writes) ?? (name == "versionLabel" ? "v1" : hostile.NewId().ToString());
    }

    static string Scalar(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => value.ToJsonString(),
    };

    /// <summary>A value that fits the schema, from the run's seed: the kind of value a client that read the document would send.</summary>
    JsonNode? Value(JsonNode? schema, string name, FuzzMember member, long n, int depth)
    {
        schema = Resolve(schema);
        if (schema is null || depth > 6)
        {
            return null;
        }
        if (schema["enum"] is JsonArray choices && choices.Count > 0)
        {
            return hostile.Pick(choices.ToList())?.DeepClone();
        }
        foreach (var combinator in new[] { "oneOf", "anyOf", "allOf" })
        {
            if (schema[combinator] is JsonArray options && options.Count > 0)
            {
                var usable = options.Where(o => (string?)Resolve(o)?["type"] != "null").ToList();
                return Value(usable.Count > 0 ? hostile.Pick(usable) : options[0], name, member, n, depth + 1);
            }
        }
        var types = schema["type"] switch
        {
            JsonArray many => many.Select(t => (string?)t).Where(t => t is not null and not "null").Select(t => t!).ToList(),
            JsonValue one => [(string)one!],
            _ => schema["properties"] is not null ? ["object"] : [],
        };
        var type = types.Contains("integer") ? "integer" : types.Contains("number") ? "number" : types.FirstOrDefault() ?? "string";
        var format = (string?)schema["format"];
        var lower = name.ToLowerInvariant();
        switch (type)
        {
            case "object":
                var body = new JsonObject();
                var required = schema["required"]?.AsArray().Select(r => (string?)r).ToHashSet() ?? [];
                foreach (var (property, propertySchema) in schema["properties"]?.AsObject() ?? [])
                {
                    if (required.Contains(property) || hostile.Chance(0.7))
                    {
                        body[property] = Value(propertySchema, property, member, n, depth + 1);
                    }
                }
                return body;
            case "array":
                var items = new JsonArray();
                for (var i = hostile.Random.Next(1, 3); i > 0; i--)
                {
                    items.Add(Value(schema["items"], name, member, n, depth + 1));
                }
                return items;
            case "integer":
                return JsonValue.Create(hostile.Random.Next(0, 12));
            case "number":
                return JsonValue.Create(hostile.Random.Next(0, 100) / 4.0);
            case "boolean":
                return JsonValue.Create(hostile.Chance(0.5));
        }
        if (format == "date" || lower.EndsWith("date", StringComparison.Ordinal) || lower is "on" or "from" or "to" or "until" or "asof")
        {
            return JsonValue.Create(new DateOnly(2025, 9, 1).AddDays(hostile.Random.Next(0, 700)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }
        if (format == "date-time")
        {
            return JsonValue.Create(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero).AddHours(hostile.Random.Next(0, 9000)).ToString("O", CultureInfo.InvariantCulture));
        }
        if (format == "uuid" || lower.EndsWith("id", StringComparison.Ordinal))
        {
            return JsonValue.Create(ids.Pick(hostile, name, writes: true) ?? hostile.NewId().ToString());
        }
        if (format == "email" || lower.Contains("email", StringComparison.Ordinal))
        {
            return JsonValue.Create($"fuzz{n}@test.sch.uk");
        }
        if (format == "uri" || lower.Contains("url", StringComparison.Ordinal) || lower.Contains("link", StringComparison.Ordinal))
        {
            return JsonValue.Create($"https://example.test/fuzz/{n}");
        }
        if (lower == "urn")
        {
            return JsonValue.Create(member.Urn);
        }
        if (lower.Contains("role", StringComparison.Ordinal))
        {
            return JsonValue.Create(hostile.Pick<string>(["teacher", "dsl", "office", "governor", "support-staff", "volunteer", "Teacher"]));
        }
        if (lower.Contains("version", StringComparison.Ordinal) || lower.Contains("label", StringComparison.Ordinal))
        {
            return JsonValue.Create(ids.Pick(hostile, name, writes: true) ?? $"v{hostile.Random.Next(1, 4)}");
        }
        return JsonValue.Create(hostile.PlausibleText(n));
    }

    JsonNode? Resolve(JsonNode? schema)
    {
        for (var i = 0; i < 10 && (string?)schema?["$ref"] is { } reference; i++)
        {
            schema = document["components"]?["schemas"]?[reference.Split('/')[^1]];
        }
        return schema;
    }
}
