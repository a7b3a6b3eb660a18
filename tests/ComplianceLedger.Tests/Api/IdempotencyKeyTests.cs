using System.Net;
using System.Text.Json;
using Alba;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Api;

/// <summary>
/// Idempotency-Key is scoped to (school, person, operation) and bound to the request it was first
/// sent with: a retry gets the first result, anything else under the same key is its own command
/// or a 422, never someone else's result. Written as Alba scenarios: the pattern for HTTP tests.
/// </summary>
public sealed class IdempotencyKeyTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    const string Sha = PeopleAndPolicyContractTests.Sha;

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    static string AckBody => $$"""{"versionLabel":"1","documentSha256":"{{Sha}}"}""";

    /// <summary>A JSON command under an Idempotency-Key, as the person whose cookie it is; the scenario fails on another status.</summary>
    Task<IScenarioResult> Post(string cookie, string path, string body, string key, HttpStatusCode status = HttpStatusCode.Created) =>
        app.Host.Scenario(s =>
        {
            s.SignedIn(cookie);
            s.Post.RawJson(body).ToUrl(path);
            s.WithRequestHeader("Idempotency-Key", key);
            s.StatusCodeShouldBe(status);
        });

    /// <summary>A refusal: that status, as problem details, whose detail is returned.</summary>
    async Task<string> Refused(string cookie, string path, string body, string key, HttpStatusCode status)
    {
        var refused = await app.Host.Scenario(s =>
        {
            s.SignedIn(cookie);
            s.Post.RawJson(body).ToUrl(path);
            s.WithRequestHeader("Idempotency-Key", key);
            s.StatusCodeShouldBe(status);
            s.ContentTypeShouldBe("application/problem+json");
        });
        return (await Json(refused)).GetProperty("detail").GetString()!;
    }

    static Task<JsonElement> Json(IScenarioResult result) => result.ReadAsJsonAsync<JsonElement>();

    static string? Location(IScenarioResult result) => result.Context.Response.Headers.Location;

    static string? ETag(IScenarioResult result) => result.Context.Response.Headers.ETag;

    static bool Replayed(IScenarioResult result) => result.Context.Response.Headers.ContainsKey("Idempotent-Replayed");

    static string Acknowledge(TestSchool school) => $"/api/schools/{school.Urn}/policies/social-media/acknowledgements";

    static string Accounts(TestSchool school) => $"/api/schools/{school.Urn}/official-accounts";

    async Task<long> SubjectKeysAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT count(*) FROM ledger.subject_keys WHERE tenant = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = urn });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    async Task<JsonElement> Read(string cookie, string path) =>
        await Json(await app.Host.Scenario(s =>
        {
            s.SignedIn(cookie);
            s.Get.Url(path);
            s.StatusCodeShouldBeOk();
        }));

    // The register is an inline projection: read at once.
    async Task<int> AccountsRegisteredAsync(TestSchool school) =>
        (await Read(await school.SessionCookie(Role.Slt), Accounts(school))).GetProperty("items").GetArrayLength();

    [Fact]
    public async Task The_office_manager_reusing_a_teachers_key_registers_a_real_account_not_the_teachers_acknowledgement()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var teacher = await school.SessionCookie(Role.Teacher);
        var office = await school.SessionCookie(Role.Office);
        await Post(teacher, Acknowledge(school), AckBody, "abc-1");
        var before = await app.CountEventsAsync(school.Urn);

        var registered = await Post(office, Accounts(school), OfficialAccountContractTests.RegisterBody(school), "abc-1");

        var body = await Json(registered);
        Assert.StartsWith("account-", body.GetProperty("streamId").GetString(), StringComparison.Ordinal);
        Assert.False(body.GetProperty("replayed").GetBoolean());
        Assert.False(Replayed(registered));
        Assert.Equal(before + 1, await app.CountEventsAsync(school.Urn));
        Assert.Equal(1, await AccountsRegisteredAsync(school));
        await Read(office, Location(registered)!);
    }

    [Fact]
    public async Task An_exception_request_with_the_key_of_the_same_persons_acknowledgement_is_recorded()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var teacher = await school.SessionCookie(Role.Teacher);
        await Post(teacher, Acknowledge(school), AckBody, "abc-1");
        var before = await app.CountEventsAsync(school.Urn);

        var requested = await Post(teacher, $"/api/schools/{school.Urn}/exceptions",
            """{"kind":"staff-blog","description":"A blog about teaching physics that names the school."}""", "abc-1");

        var body = await Json(requested);
        Assert.False(body.GetProperty("replayed").GetBoolean());
        Assert.DoesNotContain("acknowledgements", body.GetProperty("streamId").GetString(), StringComparison.Ordinal);
        Assert.Equal(before + 1, await app.CountEventsAsync(school.Urn));
        var mine = await Read(teacher, $"/api/schools/{school.Urn}/me/exceptions");
        Assert.Equal(1, mine.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Another_person_sending_the_same_key_and_body_gets_their_own_result()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var before = await app.CountEventsAsync(school.Urn);

        var teachers = await Post(await school.SessionCookie(Role.Teacher), Acknowledge(school), AckBody, "same-key");
        var support = await Post(await school.SessionCookie(Role.SupportStaff), Acknowledge(school), AckBody, "same-key");

        Assert.False((await Json(support)).GetProperty("replayed").GetBoolean());
        Assert.Contains(school.People[Role.SupportStaff].ToString(), Location(support), StringComparison.Ordinal);
        Assert.NotEqual(Location(teachers), Location(support));
        Assert.Equal(before + 2, await app.CountEventsAsync(school.Urn));
    }

    [Fact]
    public async Task The_same_person_repeating_the_same_request_gets_the_first_result_and_one_event()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var office = await school.SessionCookie(Role.Office);
        var before = await app.CountEventsAsync(school.Urn);
        var body = OfficialAccountContractTests.RegisterBody(school);

        var first = await Post(office, Accounts(school), body, "register-science");
        // The same request, written differently: members reordered, other spacing.
        var reordered = JsonSerializer.Serialize(JsonDocument.Parse(body).RootElement.EnumerateObject().Reverse()
            .ToDictionary(p => p.Name, p => p.Value), Indented);
        var retry = await app.Host.Scenario(s =>
        {
            s.SignedIn(office);
            s.Post.RawJson(reordered).ToUrl(Accounts(school));
            s.WithRequestHeader("Idempotency-Key", "register-science");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
            s.Header("Location").SingleValueShouldEqual(Location(first)!);
            s.Header("ETag").SingleValueShouldEqual(ETag(first)!);
            s.Header("Idempotent-Replayed").SingleValueShouldEqual("true");
        });

        var (a, b) = (await Json(first), await Json(retry));
        Assert.Equal(a.GetProperty("streamId").GetString(), b.GetProperty("streamId").GetString());
        Assert.Equal(a.GetProperty("version").GetInt64(), b.GetProperty("version").GetInt64());
        Assert.Equal(a.GetProperty("positions").GetRawText(), b.GetProperty("positions").GetRawText());
        Assert.True(b.GetProperty("replayed").GetBoolean());
        Assert.Equal(before + 1, await app.CountEventsAsync(school.Urn));
        Assert.Equal(1, await AccountsRegisteredAsync(school));
    }

    [Fact]
    public async Task A_retried_enrolment_enrols_one_person_and_makes_one_key()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var office = await school.SessionCookie(Role.Office);
        var path = $"/api/schools/{school.Urn}/people";
        var body = """{"name":"Mr Sam Cole","roles":["support-staff"],"startedOn":"2026-09-01"}""";
        var first = await Post(office, path, body, "enrol-sam");
        var before = (await app.CountEventsAsync(school.Urn), await SubjectKeysAsync(school.Urn));

        var retry = await Post(office, path, body, "enrol-sam");

        Assert.Equal(Location(first), Location(retry));
        Assert.Equal(before, (await app.CountEventsAsync(school.Urn), await SubjectKeysAsync(school.Urn)));
    }

    [Fact]
    public async Task The_fingerprint_kept_for_a_body_that_names_a_person_cannot_confirm_a_guess_without_the_key()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var office = await school.SessionCookie(Role.Office);
        var path = $"/api/schools/{school.Urn}/people";
        var body = """{"name":"Ms Ada Quill","roles":["teacher"],"startedOn":"2026-09-01","email":"ada.quill@school.example"}""";
        await Post(office, path, body, "enrol-ada-7f3c");

        await using var command = app.AppDataSource.CreateCommand("SELECT fingerprint FROM ledger.commands WHERE tenant = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = school.Urn });
        var kept = (byte[])(await command.ExecuteScalarAsync())!;
        // What someone reading the database would compute from a guess of the whole request.
        var guess = ComplianceLedger.Api.Ledger.IdempotencyKey.Fingerprint("POST", "/api/schools/{urn}/people", [("urn", school.Urn)],
            System.Text.Encoding.UTF8.GetBytes(body));
        Assert.NotEqual(Convert.ToHexString(guess), Convert.ToHexString(kept));
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.HMACSHA256.HashData("enrol-ada-7f3c"u8, guess)), Convert.ToHexString(kept));
    }

    [Fact]
    public async Task A_retry_after_the_record_moved_on_still_gets_the_first_result_not_a_conflict()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var teacher = await school.SessionCookie(Role.Teacher);
        var first = await Post(teacher, Acknowledge(school), AckBody, "ack-social-media");
        var before = await app.CountEventsAsync(school.Urn);

        // Acknowledging twice is refused (409) without a key; with the first key it is the first answer.
        var retry = await Post(teacher, Acknowledge(school), AckBody, "ack-social-media");

        Assert.Equal(Location(first), Location(retry));
        Assert.Equal(ETag(first), ETag(retry));
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
    }

    public static TheoryData<string> DifferentRequests => ["another body", "another record"];

    [Theory, MemberData(nameof(DifferentRequests))]
    public async Task The_same_key_with_a_different_request_is_refused_with_422_and_writes_nothing(string difference)
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var office = await school.SessionCookie(Role.Office);
        var teacher = school.People[Role.Teacher];
        var paper = $$"""{"policyId":"social-media","versionLabel":"1","documentSha256":"{{Sha}}","signedAt":"2026-09-03T10:00:00Z"}""";
        await Post(office, $"/api/schools/{school.Urn}/people/{teacher}/paper-acknowledgements", paper, "paper-1");
        var before = (await app.CountEventsAsync(school.Urn), await SubjectKeysAsync(school.Urn));

        var (person, body) = difference == "another body"
            ? (teacher, paper.Replace("10:00:00Z", "11:00:00Z", StringComparison.Ordinal))
            : (school.People[Role.SupportStaff], paper);
        var detail = await Refused(office, $"/api/schools/{school.Urn}/people/{person}/paper-acknowledgements", body, "paper-1",
            HttpStatusCode.UnprocessableEntity);

        Assert.Contains("this Idempotency-Key was used for a different request", detail, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, (await app.CountEventsAsync(school.Urn), await SubjectKeysAsync(school.Urn)));
    }

    [Fact]
    public async Task Enrolling_with_a_reused_key_and_another_name_seals_nothing_and_writes_nothing()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var office = await school.SessionCookie(Role.Office);
        var path = $"/api/schools/{school.Urn}/people";
        await Post(office, path, """{"name":"Mr Sam Cole","roles":["support-staff"],"startedOn":"2026-09-01"}""", "enrol-1");
        var before = (await app.CountEventsAsync(school.Urn), await SubjectKeysAsync(school.Urn));

        await Refused(office, path, """{"name":"Ms Ada Reed","roles":["teacher"],"startedOn":"2026-09-01"}""", "enrol-1",
            HttpStatusCode.UnprocessableEntity);

        Assert.Equal(before, (await app.CountEventsAsync(school.Urn), await SubjectKeysAsync(school.Urn)));
    }

    [Fact]
    public async Task Concurrent_identical_retries_write_exactly_once_and_all_get_the_same_result()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var office = await school.SessionCookie(Role.Office);
        var body = OfficialAccountContractTests.RegisterBody(school);
        var before = await app.CountEventsAsync(school.Urn);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Post(office, Accounts(school), body, "register-once")));

        Assert.Single(results.Select(Location).Distinct());
        Assert.Equal(7, results.Count(Replayed));
        Assert.Equal(before + 1, await app.CountEventsAsync(school.Urn));
        Assert.Equal(1, await AccountsRegisteredAsync(school));
    }

    [Fact]
    public async Task Concurrent_identical_retries_on_one_record_write_exactly_once()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var teacher = await school.SessionCookie(Role.Teacher);
        var before = await app.CountEventsAsync(school.Urn);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Post(teacher, Acknowledge(school), AckBody, "ack-once")));

        Assert.Single(results.Select(ETag).Distinct());
        Assert.Equal(before + 1, await app.CountEventsAsync(school.Urn));
    }

    [Fact]
    public async Task A_raw_append_with_a_key_another_person_used_is_its_own_append()
    {
        var school = await app.SchoolAsync("200901", Role.Headteacher, Role.Slt);
        var head = await school.SessionCookie(Role.Headteacher);
        await Post(head, $"/api/schools/{school.Urn}/policies/social-media/versions", PeopleAndPolicyContractTests.PublishBody(), "k-1");
        var before = await app.CountEventsAsync(school.Urn);

        // The same key on the raw append (another operation) appends; a retry of it replays.
        var raw = $"/api/schools/{school.Urn}/streams/person-1/events";
        var rawBody = """
            {"streamType":"person","events":[{"type":"policy.acknowledged.v1","data":{"policyId":"social-media","versionLabel":"3",
             "documentSha256":"9f2c","personId":"0190a0b0-0000-7000-8000-000000000001","method":"in-app",
             "acknowledgedAt":"2026-09-01T08:00:00Z","recordedBy":null}}]}
            """;
        var appended = await Post(head, raw, rawBody, "k-1");
        var again = await Post(head, raw, rawBody, "k-1");

        Assert.False((await Json(appended)).GetProperty("replayed").GetBoolean());
        Assert.True((await Json(again)).GetProperty("replayed").GetBoolean());
        Assert.Equal(before + 1, await app.CountEventsAsync(school.Urn));
    }

    [Fact]
    public async Task A_key_that_is_not_visible_ASCII_is_refused_in_words()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var teacher = await school.SessionCookie(Role.Teacher);

        var detail = await Refused(teacher, Acknowledge(school), AckBody, "two words", HttpStatusCode.BadRequest);

        Assert.Contains("Idempotency-Key", detail, StringComparison.Ordinal);
    }
}
