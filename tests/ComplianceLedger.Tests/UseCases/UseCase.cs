using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.UseCases;

/// <summary>What a use case needs before it can run: ids it refers to, made in a fresh school.</summary>
public sealed record Arranged(TestSchool School, IReadOnlyDictionary<string, string> Ids)
{
    public string this[string key] => Ids[key];
}

/// <summary>
/// One endpoint's contract, checked the same way for every use case: the right role succeeds,
/// a wrong role gets 403, another school gets 404, a stale If-Match gets 412, and bad input gets
/// 400 with problem details; whatever is refused writes nothing.
/// </summary>
public sealed record UseCase(
    string Name,
    Role Allowed,
    Role Forbidden,
    Func<TestSchool, Task<Arranged>> Arrange,
    Func<Arranged, string> Path,
    Func<Arranged, string> Body,
    IReadOnlyList<(string Why, string Body)> BadBodies,
    HttpStatusCode Success = HttpStatusCode.OK,
    HttpMethod? Method = null)
{
    public override string ToString() => Name;

    /// <summary>Every role, so each arranged school can act as anyone.</summary>
    public static readonly Role[] AllRoles = Enum.GetValues<Role>();

    static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string body, Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(Method ?? HttpMethod.Post, path) { Content = Json(body) };
        headers?.Invoke(request.Headers);
        return await client.SendAsync(request);
    }

    public static async Task<Arranged> FreshSchoolAsync(LedgerApp app, Func<TestSchool, Task<Arranged>> arrange)
    {
        var urn = NextUrn();
        return await arrange(await app.SchoolAsync(urn, AllRoles));
    }

    static int next = 810000;

    static string NextUrn() => Interlocked.Increment(ref next).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode expected, string why)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{why}: expected {(int)expected}, got {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
    }
}

/// <summary>The five checks, shared by every family's contract tests.</summary>
public static class UseCaseChecks
{
    public static async Task RightRoleSucceeds(LedgerApp app, UseCase useCase)
    {
        var arranged = await UseCase.FreshSchoolAsync(app, useCase.Arrange);
        var before = await app.CountEventsAsync(arranged.School.Urn);
        var response = await useCase.SendAsync(await arranged.School.As(useCase.Allowed), useCase.Path(arranged), useCase.Body(arranged));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == useCase.Success, $"{useCase.Name}: {(int)response.StatusCode} {text}");
        Assert.NotNull(response.Headers.ETag);
        Assert.True(await app.CountEventsAsync(arranged.School.Urn) > before, "a success records events");
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("positions").GetArrayLength() > 0);
    }

    public static async Task WrongRoleIsForbidden(LedgerApp app, UseCase useCase)
    {
        var arranged = await UseCase.FreshSchoolAsync(app, useCase.Arrange);
        var before = await app.CountEventsAsync(arranged.School.Urn);
        var response = await useCase.SendAsync(await arranged.School.As(useCase.Forbidden), useCase.Path(arranged), useCase.Body(arranged));

        await UseCase.AssertProblem(response, HttpStatusCode.Forbidden, useCase.Name);
        Assert.Equal(before, await app.CountEventsAsync(arranged.School.Urn));
    }

    public static async Task AnotherSchoolIsNotFound(LedgerApp app, UseCase useCase)
    {
        var theirs = await UseCase.FreshSchoolAsync(app, useCase.Arrange);
        var mine = await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())));
        var before = await app.CountEventsAsync();
        // Signed in at my school, asking for their school's resource, with the right role.
        var response = await useCase.SendAsync(await mine.School.As(useCase.Allowed), useCase.Path(theirs), useCase.Body(theirs));

        await UseCase.AssertProblem(response, HttpStatusCode.NotFound, useCase.Name);
        Assert.Equal(before, await app.CountEventsAsync());
    }

    public static async Task StaleIfMatchIsPreconditionFailed(LedgerApp app, UseCase useCase)
    {
        var arranged = await UseCase.FreshSchoolAsync(app, useCase.Arrange);
        var before = await app.CountEventsAsync(arranged.School.Urn);
        var response = await useCase.SendAsync(await arranged.School.As(useCase.Allowed), useCase.Path(arranged), useCase.Body(arranged),
            h => h.IfMatch.Add(new EntityTagHeaderValue("\"987\"")));

        await UseCase.AssertProblem(response, HttpStatusCode.PreconditionFailed, useCase.Name);
        Assert.Equal(before, await app.CountEventsAsync(arranged.School.Urn));
    }

    public static async Task BadInputIsRefused(LedgerApp app, UseCase useCase)
    {
        var arranged = await UseCase.FreshSchoolAsync(app, useCase.Arrange);
        // Over a socket: the oversized body is Kestrel's to refuse (413), as it is in production.
        var client = await arranged.School.As(useCase.Allowed, Transport.Socket);
        var bad = new List<(string Why, string Body)>(useCase.BadBodies)
        {
            ("malformed JSON", "{\"oops\": "),
            ("not an object", "[1, 2]"),
            ("unknown member", useCase.Body(arranged).TrimEnd().TrimEnd('}') + ",\"password\":\"hunter2\"}"),
            ("oversized", useCase.Body(arranged).TrimEnd().TrimEnd('}') + ",\"x\":\"" + new string('x', 1_200_000) + "\"}"),
        };
        foreach (var (why, body) in bad)
        {
            var before = await app.CountEventsAsync(arranged.School.Urn);
            // A real client sends Expect: 100-continue with a large body, so the server can refuse
            // it before it is sent rather than cut the connection mid-upload.
            var response = await useCase.SendAsync(client, useCase.Path(arranged), body, h => h.ExpectContinue = why == "oversized");
            var expected = why == "oversized" ? HttpStatusCode.RequestEntityTooLarge : HttpStatusCode.BadRequest;
            await UseCase.AssertProblem(response, expected, $"{useCase.Name}, {why}");
            Assert.Equal(before, await app.CountEventsAsync(arranged.School.Urn));
        }
    }

    /// <summary>
    /// The valid body with one value at a time pushed to an extreme: the largest and smallest
    /// numbers, the first and last representable dates, empty, blank and very long text, empty
    /// and repeated lists. Each may be accepted or refused, but never with a server error, and a
    /// refusal is problem details that writes nothing.
    /// </summary>
    public static async Task ExtremeValuesAreAnswered(LedgerApp app, UseCase useCase)
    {
        Arranged? arranged = null;
        HttpClient? client = null;
        List<(string Where, string Body)> variants = [];
        for (var i = 0; i == 0 || i < variants.Count; i++)
        {
            // A variant that was accepted changed the school (a version published, a request decided):
            // the next one starts again from a fresh arrangement, so it meets the same state.
            if (arranged is null)
            {
                arranged = await UseCase.FreshSchoolAsync(app, useCase.Arrange);
                client = await arranged.School.As(useCase.Allowed);
                variants = [.. Extremes(System.Text.Json.Nodes.JsonNode.Parse(useCase.Body(arranged))!)];
                Assert.NotEmpty(variants);
            }
            var (where, body) = variants[i];
            var before = await app.CountEventsAsync(arranged.School.Urn);
            var response = await useCase.SendAsync(client!, useCase.Path(arranged), body);
            var status = (int)response.StatusCode;
            var why = $"{useCase.Name}, {where}: {status} {await response.Content.ReadAsStringAsync()}";
            Assert.True(status < 500, why);
            if (status >= 400)
            {
                Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", why);
                Assert.Equal(before, await app.CountEventsAsync(arranged.School.Urn));
            }
            else
            {
                arranged = null;
            }
        }
    }

    static IEnumerable<(string Where, string Body)> Extremes(System.Text.Json.Nodes.JsonNode body)
    {
        foreach (var (path, value) in Leaves(body, "$"))
        {
            System.Text.Json.Nodes.JsonNode?[] replacements = value switch
            {
                System.Text.Json.Nodes.JsonArray => [new System.Text.Json.Nodes.JsonArray(), new System.Text.Json.Nodes.JsonArray([.. Enumerable.Repeat(value.AsArray().FirstOrDefault(), 2000).Select(v => v?.DeepClone())])],
                System.Text.Json.Nodes.JsonValue v when v.TryGetValue<long>(out _) || v.TryGetValue<double>(out _) => [int.MaxValue, long.MaxValue, -1, 0, 1e300],
                System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out var text) && DateOnly.TryParseExact(text, "yyyy-MM-dd", out _) => ["0001-01-01", "9999-12-31", "2026-02-29"],
                System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out var text) && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _) => ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00"],
                System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out _) => ["", " ", new string('w', 20_000), "\u202Eright-to-left \uD83D\uDE00 ☃"],
                _ => [],
            };
            foreach (var replacement in replacements)
            {
                var copy = body.DeepClone();
                Replace(copy, path, replacement);
                yield return ($"{path} = {Shorten(replacement?.ToJsonString() ?? "null")}", copy.ToJsonString());
            }
        }
    }

    static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    /// <summary>Every value that is not an object, by its path of member names and indexes.</summary>
    static IEnumerable<(string Path, System.Text.Json.Nodes.JsonNode Value)> Leaves(System.Text.Json.Nodes.JsonNode node, string path) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => o.Where(p => p.Value is not null).SelectMany(p => Leaves(p.Value!, $"{path}.{p.Key}")),
        _ => [(path, node)],
    };

    static void Replace(System.Text.Json.Nodes.JsonNode root, string path, System.Text.Json.Nodes.JsonNode? value)
    {
        var names = path.Split('.')[1..];
        var parent = names[..^1].Aggregate(root, (n, name) => n[name]!);
        parent[names[^1]] = value;
    }

    /// <summary>Reads JSON from a GET as the given client.</summary>
    public static Task<JsonElement> GetJson(HttpClient client, string path) => client.GetFromJsonAsync<JsonElement>(path);
}
