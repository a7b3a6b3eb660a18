using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Api;

public sealed class AppendApiTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    const string Acknowledged = """
        {"type":"policy.acknowledged.v1","data":{"policyId":"social-media","versionLabel":"3",
         "documentSha256":"9f2c","personId":"0190a0b0-0000-7000-8000-000000000001","method":"in-app",
         "acknowledgedAt":"2026-09-01T08:00:00Z","recordedBy":null}}
        """;

    static string Body(string events = Acknowledged) =>
        $$"""{"streamType":"person","events":[{{events}}]}""";

    static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Posts as the headteacher of <paramref name="urn"/> (or of 200099 when it is not a URN).</summary>
    async Task<HttpResponseMessage> Post(string urn, string stream, string body, Action<HttpRequestHeaders>? headers = null, Transport transport = Transport.InMemory)
    {
        var client = await Head(ComplianceLedger.Api.Schools.Urn.IsValid(urn) ? urn : "200099", transport);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/schools/{urn}/streams/{stream}/events") { Content = Json(body) };
        headers?.Invoke(request.Headers);
        return await client.SendAsync(request);
    }

    async Task<HttpClient> Head(string urn, Transport transport = Transport.InMemory) =>
        await (await app.SchoolAsync(urn, Role.Headteacher)).As(Role.Headteacher, transport);

    [Fact]
    public async Task Appending_returns_201_with_the_new_version_as_ETag_and_the_stream_reads_back()
    {
        var response = await Post("200001", "person-1", Body());
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);

        var stream = await (await Head("200001")).GetFromJsonAsync<JsonElement>("/api/schools/200001/streams/person-1");
        var only = Assert.Single(stream.GetProperty("events").EnumerateArray());
        Assert.Equal("policy.acknowledged.v1", only.GetProperty("type").GetString());
        Assert.Equal($"person:{(await app.SchoolAsync("200001")).People[Role.Headteacher]}", only.GetProperty("actor").GetString());
        Assert.Equal("social-media", only.GetProperty("data").GetProperty("policyId").GetString());
    }

    [Fact]
    public async Task Another_schools_stream_is_not_found()
    {
        await Post("200002", "private", Body());
        var otherHead = await Head("200003");
        var response = await otherHead.GetAsync("/api/schools/200002/streams/private");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await otherHead.GetAsync("/api/schools/200002/events")).StatusCode);
        // Their own school's view holds none of it either.
        var own = await otherHead.GetFromJsonAsync<JsonElement>("/api/schools/200003/events");
        Assert.DoesNotContain(own.EnumerateArray(), e => e.GetProperty("streamId").GetString() == "private");
    }

    [Fact]
    public async Task A_stale_If_Match_gets_412_and_writes_nothing()
    {
        await Post("200004", "person-2", Body());
        await Post("200004", "person-2", Body(), h => h.IfMatch.Add(new EntityTagHeaderValue("\"1\"")));
        var before = await app.CountEventsAsync("200004");

        var stale = await Post("200004", "person-2", Body(), h => h.IfMatch.Add(new EntityTagHeaderValue("\"1\"")));

        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        var problem = await stale.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(412, problem.GetProperty("status").GetInt32());
        Assert.Equal(before, await app.CountEventsAsync("200004"));
    }

    [Fact]
    public async Task If_None_Match_star_refuses_a_stream_that_exists()
    {
        Assert.Equal(HttpStatusCode.Created, (await Post("200005", "new-only", Body(), h => h.IfNoneMatch.Add(EntityTagHeaderValue.Any))).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Post("200005", "new-only", Body(), h => h.IfNoneMatch.Add(EntityTagHeaderValue.Any))).StatusCode);
    }

    [Fact]
    public async Task A_retried_Idempotency_Key_returns_the_first_result_and_appends_nothing()
    {
        await Head("200006");
        var before = await app.CountEventsAsync("200006");
        var first = await Post("200006", "person-3", Body(), h => h.Add("Idempotency-Key", "ack-42"));
        var retry = await Post("200006", "person-3", Body(), h => h.Add("Idempotency-Key", "ack-42"));

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(await first.Content.ReadFromJsonAsync<JsonElement>() is var a ? a.GetProperty("events").GetRawText() : null,
            (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events").GetRawText());
        Assert.Equal(before + 1, await app.CountEventsAsync("200006"));
    }

    public static TheoryData<string, string, string, HttpStatusCode> BadInput => new()
    {
        { "unknown type", "200010", Body("""{"type":"policy.liked.v1","data":{}}"""), HttpStatusCode.BadRequest },
        { "malformed JSON", "200010", """{"streamType":"person","events":[{"type":""", HttpStatusCode.BadRequest },
        { "not an object", "200010", "[1,2,3]", HttpStatusCode.BadRequest },
        { "missing tenant", "%20", Body(), HttpStatusCode.BadRequest },
        { "tenant not a URN", "abc123", Body(), HttpStatusCode.BadRequest },
        { "missing stream type", "200010", $$"""{"events":[{{Acknowledged}}]}""", HttpStatusCode.BadRequest },
        { "no events", "200010", """{"streamType":"person","events":[]}""", HttpStatusCode.BadRequest },
        { "data missing a field", "200010", Body("""{"type":"policy.acknowledged.v1","data":{"policyId":"x"}}"""), HttpStatusCode.BadRequest },
        { "data with an unknown member", "200010", Body(Acknowledged.Replace("\"recordedBy\":null", "\"recordedBy\":null,\"password\":\"hunter2\"", StringComparison.Ordinal)), HttpStatusCode.BadRequest },
        { "unknown enum value", "200010", Body(Acknowledged.Replace("in-app", "carrier-pigeon", StringComparison.Ordinal)), HttpStatusCode.BadRequest },
        { "fractional number", "200010", Body(Acknowledged.Replace("\"versionLabel\":\"3\"", "\"versionLabel\":\"3\",\"x\":1.5", StringComparison.Ordinal)), HttpStatusCode.BadRequest },
        { "NUL character", "200010", Body(Acknowledged.Replace("social-media", "social\\u0000media", StringComparison.Ordinal)), HttpStatusCode.BadRequest },
        { "oversized event data", "200010", Body(Acknowledged.Replace("9f2c", new string('a', 70_000), StringComparison.Ordinal)), HttpStatusCode.BadRequest },
        { "oversized request", "200010", Body(Acknowledged.Replace("9f2c", new string('a', 1_100_000), StringComparison.Ordinal)), HttpStatusCode.RequestEntityTooLarge },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_gets_a_problem_response_and_writes_nothing(string why, string urn, string body, HttpStatusCode expected)
    {
        await app.SchoolAsync("200010", Role.Headteacher);
        await app.SchoolAsync("200099", Role.Headteacher);
        var before = await app.CountEventsAsync();
        // A request past the size limit is Kestrel's to refuse: only a socket meets it.
        var tooLarge = expected == HttpStatusCode.RequestEntityTooLarge;
        var response = await Post(urn, "bad-input", body, h => h.ExpectContinue = tooLarge, tooLarge ? Transport.Socket : Transport.InMemory);

        Assert.True(expected == response.StatusCode, $"{why}: got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.Equal(before, await app.CountEventsAsync());
    }

    [Fact]
    public async Task Each_append_is_traced_with_its_tenant_and_chain_position()
    {
        var appends = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == LedgerTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (appends) { appends.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);

        var response = await Post("200020", "traced", Body());
        var position = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events")[0].GetProperty("chainPosition").GetInt64();

        Activity span;
        lock (appends)
        {
            span = Assert.Single(appends, a => a.OperationName == "ledger.append" && (string?)a.GetTagItem("ledger.tenant") == "200020"
                && (string?)a.GetTagItem("ledger.stream_id") == "traced");
        }
        Assert.Equal(position, span.GetTagItem("ledger.chain_position"));
    }
}
