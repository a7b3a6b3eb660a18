using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ComplianceLedger.Api.People;
using ComplianceLedger.Fuzz;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Api;

/// <summary>
/// Every operation the OpenAPI document describes, called by a signed-in headteacher with hostile
/// path values, query values, headers and bodies. Whatever a request carries, the answer is never a
/// server error, every error is problem details, and nothing reaches the ledger.
/// </summary>
public sealed class HostileInputTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static readonly string[] HostileSegments =
    [
        "x", "-1", "0", "00000000-0000-0000-0000-000000000000", Guid.NewGuid().ToString(), "%00", "%FF%FE", "..%2F..%2Fledger",
        "%27%20OR%201%3D1--", "%E2%80%AE", new string('9', 3000), "1e400",
    ];

    static readonly string[] HostileQueryValues =
    [
        "", "x", "-1", "0", "99999999999999999999", "2026-02-30", "0001-01-01", "9999-12-31", "1e400", "NaN", "%00", "%FF",
        "2026-09-01T25:61:00Z", new string('7', 3000), "%27;SELECT%20pg_sleep(1)--",
    ];

    static readonly string[] HostileIfMatch = ["garbage", "\"\"", "\"-1\"", "\"99999999999999999999\"", "W/\"1\"", "*", "\"1\", \"2\""];

    [Fact]
    public async Task No_operation_answers_a_server_error_or_writes_to_the_ledger_whatever_a_request_carries()
    {
        var school = await app.SchoolAsync("300777", Role.Headteacher, Role.Teacher, Role.Dsl);
        // Over a socket: Kestrel's limits and path parsing are part of what a hostile request meets.
        var client = await school.As(Role.Headteacher, Transport.Socket);
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var before = await CountEventsAsync();
        var requests = 0;
        var failures = new List<string>();

        foreach (var (path, method, operation) in Operations(document))
        {
            var parameters = operation["parameters"]?.AsArray().Select(p => p!) ?? [];
            var inPath = System.Text.RegularExpressions.Regex.Matches(path, "{([^}]+)}").Select(m => m.Groups[1].Value).ToList();
            var inQuery = parameters.Where(p => (string?)p["in"] == "query").Select(p => (string)p["name"]!).ToList();
            // A well-formed path into the signed-in person's school: the person's own id where a person is named.
            string Path(string? hostileName = null, string? hostile = null) => inPath.Aggregate(path, (p, name) => p.Replace(
                $"{{{name}}}", name == hostileName ? hostile! : name == "urn" ? school.Urn : name == "personId" ? school.People[Role.Teacher].ToString() : Guid.NewGuid().ToString(),
                StringComparison.Ordinal));
            var writes = method != HttpMethod.Get;
            // An operation without a body (a checkpoint) may well succeed on a well-formed path.
            var schema = RequestSchema(document, operation);
            var takesBody = operation["requestBody"] is not null;

            async Task Send(string url, Func<HttpRequestMessage, HttpRequestMessage>? shape = null, string? body = null, string contentType = "application/json")
            {
                using var request = new HttpRequestMessage(method, url);
                if (writes)
                {
                    request.Content = new StringContent(body ?? "{}", Encoding.UTF8);
                    request.Content.Headers.ContentType = new(contentType);
                    // A body past the server's limit is refused before it is read; without this the
                    // client would still be sending when the server closes the connection.
                    request.Headers.ExpectContinue = body?.Length > 64 * 1024;
                }
                shape?.Invoke(request);
                requests++;
                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                var mediaType = response.Content.Headers.ContentType?.MediaType;
                if (status >= 500)
                {
                    failures.Add($"{method} {url} ({Describe(request, body)}): {status} {Truncate(await response.Content.ReadAsStringAsync())}");
                }
                else if (status >= 400 && mediaType != "application/problem+json")
                {
                    failures.Add($"{method} {url} ({Describe(request, body)}): {status} as {mediaType ?? "no content"}, not problem details");
                }
                else if (status >= 400 && Unspeakable(await response.Content.ReadAsStringAsync(), url, body, request) is { } why)
                {
                    failures.Add($"{method} {url} ({Describe(request, body)}): {status} {why}");
                }
                else if (takesBody && status < 400)
                {
                    failures.Add($"{method} {url} ({Describe(request, body)}): accepted with {status}");
                }
            }

            foreach (var name in inPath)
            {
                foreach (var value in HostileSegments)
                {
                    await Send(Path(name, value));
                }
            }
            foreach (var name in inQuery)
            {
                foreach (var value in HostileQueryValues)
                {
                    await Send($"{Path()}?{name}={value}");
                }
                await Send($"{Path()}?{name}=1&{name}=2");
            }
            if (!writes)
            {
                continue;
            }
            foreach (var value in HostileIfMatch)
            {
                await Send(Path(), r => { r.Headers.TryAddWithoutValidation("If-Match", value); return r; });
            }
            await Send(Path(), r => { r.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 5000)); return r; });
            foreach (var body in HostileBodies(schema))
            {
                await Send(Path(), body: body);
            }
            await Send(Path(), body: "{}", contentType: "text/plain");
            await Send(Path(), body: "<xml/>", contentType: "application/xml");
        }

        Assert.True(requests > 1000, $"only {requests} requests were sent: the OpenAPI document lists too few operations");
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} requests:\n{string.Join("\n", failures.Take(200))}");
        Assert.Equal(before, await CountEventsAsync());
    }

    // Found by ops/fuzz: a refusal to a client that accepts no JSON was a 500, and so was a JSON
    // body in a charset .NET does not know.
    [Theory]
    [InlineData("text/plain")]
    [InlineData("31/02/2026")]
    public async Task A_refusal_is_problem_details_even_to_a_client_that_accepts_no_json(string accept)
    {
        var school = await app.SchoolAsync("300779", Role.Headteacher);
        var client = await school.As(Role.Headteacher);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/schools/{school.Urn}/people/{Guid.NewGuid()}");
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("No such person at this school.", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]);
    }

    [Theory]
    [InlineData("application/json; charset=klingon")]
    [InlineData("application/json; charset=\"\"")]
    public async Task A_json_body_in_an_unknown_charset_is_refused_as_an_unsupported_content_type(string contentType)
    {
        var school = await app.SchoolAsync("300779", Role.Headteacher);
        var client = await school.As(Role.Headteacher);
        var before = await CountEventsAsync();
        using var content = new StringContent("{\"kind\":\"other\",\"description\":\"x\",\"onEntryOf\":\"staff\",\"enteredOn\":\"2026-01-05\"}");
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await client.PostAsync($"/api/schools/{school.Urn}/declarations", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(ProblemWords.Unspeakable(await response.Content.ReadAsStringAsync(), []));
        Assert.Equal(before, await CountEventsAsync());
    }

    // Found by ops/fuzz: the refusal quoted the whole version label from the path.
    [Fact]
    public async Task Ratifying_a_version_that_does_not_exist_quotes_no_more_than_a_short_piece_of_its_label()
    {
        var school = await app.SchoolAsync("300779", Role.Headteacher);
        var client = await school.As(Role.Headteacher);
        var label = new string('9', 3000);
        using var response = await client.PostAsync($"/api/schools/{school.Urn}/policies/1e400/versions/{label}/ratification",
            new StringContent($"{{\"ratifiedOn\":\"2026-03-03\",\"chairPersonId\":\"{school.People[Role.Headteacher]}\"}}", Encoding.UTF8, "application/json"));
        var problem = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.StartsWith("No version 9999", (string?)JsonNode.Parse(problem)!["detail"], StringComparison.Ordinal);
        Assert.Null(ProblemWords.Unspeakable(problem, [label]));
    }

    [Fact]
    public async Task Every_operation_but_the_signing_key_and_projection_status_refuses_an_anonymous_caller_with_problem_details_and_writes_nothing()
    {
        var school = await app.SchoolAsync("300778", Role.Headteacher);
        var anonymous = app.Client();
        var document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;
        var before = await CountEventsAsync();
        var answers = new List<string>();

        // The signing key (to verify exports offline) and the projections' operational state are public by design.
        foreach (var (path, method, _) in Operations(document).Where(o => o.Path is not ("/api/ledger/signing-key" or "/api/projections")))
        {
            var url = System.Text.RegularExpressions.Regex.Replace(path, "{([^}]+)}", m => m.Groups[1].Value == "urn" ? school.Urn : Guid.NewGuid().ToString());
            using var request = new HttpRequestMessage(method, url);
            if (method != HttpMethod.Get)
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }
            using var response = await anonymous.SendAsync(request);
            answers.Add($"{method} {path}: {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}");
        }

        Assert.True(answers.Count > 40, $"only {answers.Count} operations");
        Assert.All(answers, a => Assert.EndsWith(": 401 application/problem+json", a, StringComparison.Ordinal));
        Assert.Equal(before, await CountEventsAsync());
    }

    /// <summary>The operations a signed-in person can call; signing out and the development sign-in are left out.</summary>
    static IEnumerable<(string Path, HttpMethod Method, JsonNode Operation)> Operations(JsonNode document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            if (path.StartsWith("/dev/", StringComparison.Ordinal) || path.EndsWith("/sign-out", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var (verb, operation) in item!.AsObject())
            {
                if (verb is "get" or "post" or "put" or "delete" or "patch")
                {
                    yield return (path, new HttpMethod(verb.ToUpperInvariant()), operation!);
                }
            }
        }
    }

    /// <summary>The JSON schema of the operation's body, its reference resolved, or null.</summary>
    static JsonObject? RequestSchema(JsonNode document, JsonNode operation)
    {
        var schema = operation["requestBody"]?["content"]?["application/json"]?["schema"];
        return Resolve(document, schema) as JsonObject;
    }

    static JsonNode? Resolve(JsonNode document, JsonNode? schema)
    {
        var reference = (string?)schema?["$ref"];
        return reference is null ? schema : document["components"]!["schemas"]![reference.Split('/')[^1]];
    }

    /// <summary>
    /// Bodies no operation may accept: broken or mistyped JSON, and the operation's own fields all
    /// given one hostile value (wrong type, blank, a NUL, too long, out of range).
    /// </summary>
    static IEnumerable<string> HostileBodies(JsonObject? schema)
    {
        yield return "";
        yield return "null";
        yield return "[]";
        yield return "42";
        yield return "\"text\"";
        yield return "{";
        yield return "{\"a\":1,\"a\":2}";
        yield return new string('[', 5000) + new string(']', 5000);
        yield return "{\"x\":\"" + new string('x', 2_000_000) + "\"}";
        yield return "{\"n\":1e400}";
        yield return "\uFEFF{}";
        var fields = schema?["properties"]?.AsObject().Select(p => p.Key).ToList() ?? [];
        if (fields.Count == 0)
        {
            yield break;
        }
        JsonNode?[] values =
        [
            null, JsonValue.Create(1e308), JsonValue.Create(-1), JsonValue.Create(true), new JsonObject { ["$"] = 1 }, new JsonArray(1, 2),
            JsonValue.Create(" "), JsonValue.Create("nul\u0000here"), JsonValue.Create(new string('z', 100_000)),
            JsonValue.Create("9999-99-99"), JsonValue.Create("\uD800"),
        ];
        foreach (var value in values)
        {
            var body = new JsonObject();
            foreach (var field in fields)
            {
                body[field] = value?.DeepClone();
            }
            yield return body.ToJsonString();
        }
    }

    /// <summary>What a problem must never say (ops/fuzz's <see cref="ProblemWords"/>: the fuzzer checks every answer the same way).</summary>
    static string? Unspeakable(string problem, string url, string? body, HttpRequestMessage request) =>
        ProblemWords.Unspeakable(problem, new[] { Uri.UnescapeDataString(url), body ?? "" }.Concat(request.Headers.SelectMany(h => h.Value)));

    static string Describe(HttpRequestMessage request, string? body) =>
        $"If-Match {string.Join(",", request.Headers.TryGetValues("If-Match", out var m) ? m : ["-"])}, body {Truncate(body ?? "-")}";

    static string Truncate(string text) => text.Length > 160 ? text[..160] + "…" : text;

    async Task<long> CountEventsAsync()
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT count(*) FROM ledger.events");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
