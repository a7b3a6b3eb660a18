using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Exceptions;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Json.Schema;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Api;

/// <summary>
/// The OpenAPI document is a contract a client can be generated from: every operation takes a
/// body built from its documented schema, and every answer it gives (success or problem) is one
/// the document lists, in the documented content type, with a body its schema validates.
/// </summary>
public sealed class OpenApiDocumentTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static readonly UseCase[] UseCases = [.. PeopleAndPolicyContractTests.Cases, .. ExceptionContractTests.Cases, .. OfficialAccountContractTests.Cases];

    static StringContent Json(string body, string mediaType = "application/json") => new(body, Encoding.UTF8, mediaType);

    [Fact]
    public async Task Every_schema_has_a_name_of_its_own_and_each_command_documents_its_own_body()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();

        Assert.DoesNotContain("Request", schemas.Select(s => s.Key));
        Assert.DoesNotContain("Summary", schemas.Select(s => s.Key));
        Assert.Equal("#/components/schemas/DeclareRelationshipRequest",
            (string?)document["paths"]!["/api/schools/{urn}/declarations"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal("#/components/schemas/SchoolComplianceSummary",
            (string?)document["paths"]!["/api/schools/{urn}/compliance"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        // No two commands share a body schema: each use case has its own request.
        var bodies = Operations(document).Select(o => (string?)o.Operation["requestBody"]?["content"]?["application/json"]?["schema"]?["$ref"])
            .OfType<string>().ToList();
        Assert.Equal(bodies.Count, bodies.Distinct().Count());
    }

    [Fact]
    public async Task The_standard_problems_are_documented_by_kind_of_route()
    {
        var document = await DocumentAsync();
        string[] Statuses(string path, string verb) => [.. document["paths"]![path]![verb]!["responses"]!.AsObject().Select(r => r.Key)];

        Assert.Superset(new HashSet<string> { "400", "401", "403", "404", "409", "412", "413", "415", "422" }, Statuses("/api/schools/{urn}/people", "post").ToHashSet());
        Assert.Superset(new HashSet<string> { "400", "401", "403", "404", "503" }, Statuses("/api/schools/{urn}/compliance", "get").ToHashSet());
        Assert.Contains("404", Statuses("/api/schools/{urn}/exceptions/{id}", "get"));
        Assert.DoesNotContain("401", Statuses("/api/ledger/signing-key", "get"));
        // Every problem carries a traceId beside the standard members.
        var problem = document["components"]!["schemas"]!["ProblemDetails"]!;
        Assert.NotEqual("false", problem["additionalProperties"]?.ToJsonString());
        Assert.Equal("integer", (string?)problem["properties"]!["status"]!["type"]);
    }

    [Fact]
    public async Task Every_operation_takes_a_body_built_from_its_schema_and_answers_only_as_documented()
    {
        var document = await DocumentAsync();
        var contract = new Contract(document);
        // The validator refuses what the document forbids: a member missing, a value outside an enum.
        var enrol = JsonNode.Parse("""{"$ref":"#/components/schemas/EnrolPersonRequest"}""");
        Assert.NotNull(contract.Validate(enrol, JsonNode.Parse("""{"name":"A","startedOn":"2026-09-01"}""")));
        Assert.NotNull(contract.Validate(enrol, JsonNode.Parse("""{"name":"A","roles":["janitor"],"startedOn":"2026-09-01"}""")));
        Assert.Null(contract.Validate(enrol, JsonNode.Parse("""{"name":"A","roles":["teacher"],"startedOn":"2026-09-01"}""")));
        var failures = new List<string>();
        // Route values of records that exist, by school, from every use case's arrangement.
        var arranged = new List<(TestSchool School, Dictionary<string, string> Values, string Template)>();
        var covered = 0;
        var reusedKeysRefused = 0;

        foreach (var (template, method, operation) in Operations(document).Where(o => o.Operation["requestBody"] is not null))
        {
            var key = $"{method} {template}";
            var useCase = UseCases.FirstOrDefault(u => (u.Method ?? HttpMethod.Post) == method && Matches(template, u.Path(Placeholder)));
            if (useCase is null)
            {
                // An operation no use case arranges (the raw append): still answered only as documented.
                var school = await app.SchoolAsync("300911", UseCase.AllRoles);
                var path = Fill(template, new Dictionary<string, string> { ["urn"] = school.Urn });
                var body = contract.Build(Contract.RequestSchema(operation), null).ToJsonString();
                await contract.CheckAsync(key, await (await school.As(Role.Headteacher)).SendAsync(Request(method, path, body)), failures);
                continue;
            }
            covered++;
            var a = await UseCase.FreshSchoolAsync(app, useCase.Arrange);
            var concrete = useCase.Path(a);
            var values = RouteValues(template, concrete);
            arranged.Add((a.School, values, template));
            var known = JsonNode.Parse(useCase.Body(a));
            var schema = Contract.RequestSchema(operation);

            // The body the use case's contract sends is one the document describes.
            if (contract.Validate(schema, known) is { } invalid)
            {
                failures.Add($"{key}: the document refuses a body the endpoint takes ({useCase.Name}): {invalid}");
            }
            // A body built from the schema (every required member; the values of the records the
            // arrangement made where the use case names them) is accepted.
            var built = contract.Build(schema, known).ToJsonString();
            var client = await a.School.As(useCase.Allowed);
            var answer = await client.SendAsync(Request(method, concrete, built));
            var status = (int)answer.StatusCode;
            if (status is not (>= 200 and < 300 or 409))
            {
                failures.Add($"{key}: a body built from the schema was refused: {status} {Short(await answer.Content.ReadAsStringAsync())} for {Short(built)}");
            }
            await contract.CheckAsync(key, answer, failures);
            if (await answer.Content.ReadAsStringAsync() is var text && status is 200 or 201
                && JsonNode.Parse(text)?["streamId"] is JsonValue streamId)
            {
                values["streamId"] = (string)streamId!;
            }

            // Each way the command can be refused is one the document lists, as problem details.
            if (useCase.Forbidden != useCase.Allowed)
            {
                await contract.CheckAsync(key, await (await a.School.As(useCase.Forbidden)).SendAsync(Request(method, concrete, built)), failures);
            }
            await contract.CheckAsync(key, await app.Client().SendAsync(Request(method, concrete, built)), failures);
            var stranger = await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())));
            await contract.CheckAsync(key, await (await stranger.School.As(useCase.Allowed)).SendAsync(Request(method, concrete, built)), failures);
            await contract.CheckAsync(key, await client.SendAsync(Request(method, concrete, built, r => r.Headers.IfMatch.Add(new EntityTagHeaderValue("\"987\"")))), failures);
            await contract.CheckAsync(key, await client.SendAsync(Request(method, concrete, """{"nickname":"x"}""")), failures);
            await contract.CheckAsync(key, await client.SendAsync(Request(method, concrete, "{}", mediaType: "text/plain")), failures);
            await contract.CheckAsync(key, await client.SendAsync(Request(method, concrete, "{\"x\":\"" + new string('x', 300_000) + "\"}",
                r => r.Headers.ExpectContinue = true)), failures);
            var idempotencyKey = $"k-{Guid.NewGuid():N}";
            await contract.CheckAsync(key, await client.SendAsync(Request(method, concrete, built, r => r.Headers.Add("Idempotency-Key", idempotencyKey))), failures);
            // The same key with another request: 422 when the first was recorded (the others were refused
            // on the state earlier requests left, so nothing holds the key), and documented either way.
            var reused = await client.SendAsync(Request(method, concrete, "{\"another\":\"request\"}", r => r.Headers.Add("Idempotency-Key", idempotencyKey)));
            reusedKeysRefused += reused.StatusCode == HttpStatusCode.UnprocessableEntity ? 1 : 0;
            await contract.CheckAsync(key, reused, failures);
        }

        // Reads and commands without a body: as a headteacher of a school where the records exist, as a
        // volunteer, as no one, at another school, of a record that does not exist, and with a bad query.
        var trust = await app.SchoolAsync("300912", UseCase.AllRoles);
        // A checkpoint to read: the school's chain needs an event, then the office signs its head.
        await app.Setup.EnrolAsync(trust.Urn, "Checkpoint Witness", [Role.Teacher], new DateOnly(2025, 9, 1), "system:test");
        var issued = await (await trust.As(Role.Office)).PostAsync($"/api/schools/{trust.Urn}/checkpoints", Json("{}"));
        Assert.True(issued.StatusCode == HttpStatusCode.Created, await issued.Content.ReadAsStringAsync());
        var checkpoint = issued.Headers.Location!.OriginalString.Split('/')[^1];
        // A receipt to download: an event the headteacher recorded (an enrolment).
        var enrolled = await (await trust.As(Role.Headteacher)).PostAsync($"/api/schools/{trust.Urn}/people",
            Json("""{"name":"Receipt Witness","roles":["teacher"],"startedOn":"2025-09-01"}"""));
        Assert.True(enrolled.StatusCode == HttpStatusCode.Created, await enrolled.Content.ReadAsStringAsync());
        await using var ownEvent = app.AppDataSource.CreateCommand("SELECT event_id::text FROM ledger.events WHERE tenant = $1 AND actor = $2 LIMIT 1");
        ownEvent.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = trust.Urn });
        ownEvent.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = $"person:{trust.People[Role.Headteacher]:D}" });
        var receiptEvent = (string)(await ownEvent.ExecuteScalarAsync())!;
        // An evidence pack to read and download: the headteacher's own, built to the end.
        var packed = await (await trust.As(Role.Headteacher)).PostAsync($"/api/schools/{trust.Urn}/evidence-packs",
            Json($$"""{"asOf":"{{ComplianceLedger.EventStore.SchoolDay.Today(app.Services.GetRequiredService<TimeProvider>()):yyyy-MM-dd}}"}"""));
        Assert.True(packed.StatusCode == HttpStatusCode.Accepted, await packed.Content.ReadAsStringAsync());
        var pack = (await EvidencePacks.PackApiTests.ReadyAsync(await trust.As(Role.Headteacher), packed.Headers.Location!.OriginalString)).GetProperty("id").GetString()!;
        foreach (var (template, method, operation) in Operations(document).Where(o => o.Operation["requestBody"] is null))
        {
            var key = $"{method} {template}";
            var names = Regex.Matches(template, "{([^}]+)}").Select(m => m.Groups[1].Value).ToList();
            var (school, values) = template.StartsWith("/api/trusts/", StringComparison.Ordinal)
                ? (trust, new Dictionary<string, string> { ["urn"] = trust.Urn, ["trustId"] = "trust-t1" })
                // The arrangement of the command nearest the read (custodians/{personId} from a custodian's removal).
                : arranged.Where(x => names.All(x.Values.ContainsKey)).OrderByDescending(x => SharedPrefix(x.Template, template))
                    .Select(x => (x.School, x.Values)).FirstOrDefault() is { School: not null } found ? found
                : names.All(n => n == "urn") ? (trust, new Dictionary<string, string> { ["urn"] = trust.Urn })
                : names is ["urn", "position"] ? (trust, new Dictionary<string, string> { ["urn"] = trust.Urn, ["position"] = checkpoint })
                : names is ["urn", "eventId"] ? (trust, new Dictionary<string, string> { ["urn"] = trust.Urn, ["eventId"] = receiptEvent })
                : names is ["urn", "packId"] ? (trust, new Dictionary<string, string> { ["urn"] = trust.Urn, ["packId"] = pack }) : default;
            if (school is null)
            {
                failures.Add($"{key}: no arrangement makes a record for {string.Join(", ", names)}");
                continue;
            }
            var path = Fill(template, values);
            var reader = template.StartsWith("/api/trusts/", StringComparison.Ordinal) ? Role.TrustLeader : Role.Headteacher;
            var answer = await (await school.As(reader)).SendAsync(Request(method, path, null));
            if (method == HttpMethod.Get && answer.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"{key}: {(int)answer.StatusCode} {Short(await answer.Content.ReadAsStringAsync())} for {path}");
            }
            await contract.CheckAsync(key, answer, failures);
            await contract.CheckAsync(key, await (await school.As(Role.Volunteer)).SendAsync(Request(method, path, null)), failures);
            await contract.CheckAsync(key, await app.Client().SendAsync(Request(method, path, null)), failures);
            var missing = Fill(template, values.ToDictionary(v => v.Key, v => v.Key == "urn" ? v.Value : v.Key == "trustId" ? "trust-none" : Guid.NewGuid().ToString()));
            await contract.CheckAsync(key, await (await school.As(reader)).SendAsync(Request(method, missing, null)), failures);
            await contract.CheckAsync(key, await (await school.As(reader)).SendAsync(Request(method, Fill(template, values.ToDictionary(v => v.Key, v => v.Key == "urn" ? "300999" : v.Value)), null)), failures);
            await contract.CheckAsync(key, await (await school.As(reader)).SendAsync(Request(method, path + "?asOf=yesterday&from=x&limit=x", null)), failures);
        }

        Assert.True(covered >= 40, $"only {covered} commands were arranged by a use case");
        Assert.True(contract.Checked > 300, $"only {contract.Checked} answers were checked");
        Assert.True(reusedKeysRefused >= 10, $"only {reusedKeysRefused} commands refused a reused Idempotency-Key with 422");
        Assert.True(failures.Count == 0, $"{failures.Count} disagreements with the document:\n{string.Join("\n", failures.Distinct().Take(150))}");
    }

    [Fact]
    public async Task The_api_reference_page_is_served_in_development()
    {
        var response = await app.Client().GetAsync("/scalar/v1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Scalar", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    async Task<JsonNode> DocumentAsync() => JsonNode.Parse(await app.Client().GetStringAsync("/openapi/v1.json"))!;

    static readonly Arranged Placeholder = new(new TestSchool(null!, "{urn}", new Dictionary<Role, Guid>()), new PlaceholderIds());

    /// <summary>Any id a use case's path asks of the arrangement, as a placeholder.</summary>
    sealed class PlaceholderIds : Dictionary<string, string>, IReadOnlyDictionary<string, string>
    {
        string IReadOnlyDictionary<string, string>.this[string key] => "{" + key + "}";
    }

    static int SharedPrefix(string a, string b) => a.Zip(b).TakeWhile(p => p.First == p.Second).Count();

    static bool Matches(string template, string path) =>
        Regex.IsMatch(path.Split('?')[0], "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "$");

    static Dictionary<string, string> RouteValues(string template, string path)
    {
        var pattern = "^" + Regex.Replace(Regex.Escape(template), @"\\\{([^}]+)}", m => $"(?<{m.Groups[1].Value}>[^/]+)") + "$";
        var match = Regex.Match(path.Split('?')[0], pattern);
        return match.Groups.Cast<Group>().Where(g => g.Success && g.Name != "0").ToDictionary(g => g.Name, g => g.Value);
    }

    static string Fill(string template, Dictionary<string, string> values) =>
        Regex.Replace(template, "{([^}]+)}", m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : Guid.NewGuid().ToString());

    static HttpRequestMessage Request(HttpMethod method, string path, string? body, Action<HttpRequestMessage>? shape = null, string mediaType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = Json(body, mediaType);
        }
        shape?.Invoke(request);
        return request;
    }

    static IEnumerable<(string Path, HttpMethod Method, JsonNode Operation)> Operations(JsonNode document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            // Signing out ends the session the rest of the walk relies on.
            if (path.EndsWith("/sign-out", StringComparison.Ordinal))
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

    static string Short(string text) => text.Length > 300 ? text[..300] + "…" : text;

    /// <summary>The document, read as a contract: schemas resolved, bodies built, answers checked.</summary>
    sealed class Contract(JsonNode document)
    {
        readonly JsonObject schemas = document["components"]!["schemas"]!.AsObject();
        readonly Dictionary<string, JsonSchema> built = [];

        public int Checked { get; private set; }

        public static JsonNode? RequestSchema(JsonNode operation) => operation["requestBody"]?["content"]?["application/json"]?["schema"];

        JsonNode? Resolve(JsonNode? schema) =>
            (string?)schema?["$ref"] is { } reference ? Resolve(schemas[reference.Split('/')[^1]]) : schema;

        /// <summary>
        /// A value for the schema: every required member, an enum's first value, a value of the
        /// format, one item in a list; where the use case's own body has the member, its value
        /// (it names records the arrangement made).
        /// </summary>
        public JsonNode Build(JsonNode? schema, JsonNode? known, int depth = 0)
        {
            schema = Resolve(schema);
            if (known is not null && known is not JsonObject)
            {
                return known.DeepClone();
            }
            if (schema?["enum"] is JsonArray values)
            {
                return values.First(v => v is not null)!.DeepClone();
            }
            var types = schema?["type"] switch
            {
                JsonArray many => many.Select(t => (string)t!).ToList(),
                JsonValue one => [(string)one!],
                _ => [],
            };
            var type = types.FirstOrDefault(t => t != "null") ?? (schema?["properties"] is not null ? "object" : "string");
            return type switch
            {
                "object" => BuildObject(schema, known as JsonObject, depth),
                "array" => depth > 4 ? new JsonArray() : new JsonArray(Build(schema?["items"], null, depth + 1)),
                "integer" => JsonValue.Create(Math.Max(1, (long?)schema?["minimum"] ?? 1)),
                "number" => JsonValue.Create(1.5),
                "boolean" => JsonValue.Create(true),
                _ => (string?)schema?["format"] switch
                {
                    "date" => JsonValue.Create(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
                    "date-time" => JsonValue.Create(DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)),
                    "uuid" => JsonValue.Create(Guid.NewGuid().ToString()),
                    "uri" => JsonValue.Create("https://example.sch.uk/"),
                    _ => JsonValue.Create("Built from the documented schema"),
                },
            };
        }

        JsonObject BuildObject(JsonNode? schema, JsonObject? known, int depth)
        {
            var result = new JsonObject();
            var properties = schema?["properties"] as JsonObject;
            foreach (var name in schema?["required"]?.AsArray().Select(n => (string)n!) ?? [])
            {
                result[name] = Build(properties?[name], known?[name], depth + 1);
            }
            return result;
        }

        /// <summary>Null when the value fits the schema, else what did not.</summary>
        public string? Validate(JsonNode? schema, JsonNode? value)
        {
            if (schema is null)
            {
                return value is null ? null : "the document gives no schema";
            }
            var text = schema.ToJsonString();
            if (!built.TryGetValue(text, out var compiled))
            {
                // One self-contained schema: the document's components become its $defs.
                var standalone = new JsonObject
                {
                    ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                    ["$defs"] = schemas.DeepClone(),
                    ["allOf"] = new JsonArray(schema.DeepClone()),
                };
                var json = standalone.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
                compiled = built[text] = JsonSchema.FromText(json, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            }
            var result = compiled.Evaluate(JsonSerializer.SerializeToElement(value), new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (result.IsValid)
            {
                return null;
            }
            var errors = (result.Details ?? []).Where(d => d.Errors is not null)
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Key}: {e.Value}"));
            return string.Join("; ", errors.Distinct().Take(5));
        }

        /// <summary>The answer's status is listed for the operation, in the documented content type, its body valid.</summary>
        public async Task CheckAsync(string key, HttpResponseMessage response, List<string> failures)
        {
            Checked++;
            var (method, template) = (key.Split(' ')[0], key.Split(' ')[1]);
            var operation = document["paths"]![template]![method.ToLowerInvariant()]!;
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var text = await response.Content.ReadAsStringAsync();
            var documented = operation["responses"]?[status] ?? operation["responses"]?["default"];
            if (documented is null)
            {
                failures.Add($"{key}: answers {status}, which the document does not list ({Short(text)})");
                return;
            }
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var content = documented["content"] as JsonObject;
            if (content is null || content.Count == 0)
            {
                if (text.Length > 0)
                {
                    failures.Add($"{key}: {status} has a {mediaType} body the document does not describe");
                }
                return;
            }
            if (mediaType is null || content[mediaType] is not { } media)
            {
                failures.Add($"{key}: {status} answers as {mediaType ?? "no content type"}, documented as {string.Join(", ", content.Select(c => c.Key))}");
                return;
            }
            // A file that is no JSON (the evidence pack's zip) is checked by its media type alone.
            if (!mediaType.EndsWith("json", StringComparison.Ordinal))
            {
                return;
            }
            if (Validate(media["schema"], JsonNode.Parse(text)) is { } invalid)
            {
                failures.Add($"{key}: {status} body does not fit its schema: {invalid} in {Short(text)}");
            }
        }
    }
}
