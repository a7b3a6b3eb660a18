using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using static ComplianceLedger.Tests.Exceptions.ExceptionArrangements;

namespace ComplianceLedger.Tests.AsOf;

/// <summary>"As of" a chain position or a day: the dashboards and registers as they stood then, over real HTTP.</summary>
public sealed class AsOfApiTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static string Base(TestSchool school) => $"/api/schools/{school.Urn}";

    /// <summary>Every dashboard and register of a school, each with the role that reads it.</summary>
    static IEnumerable<(string Path, Role Reader)> Reads(TestSchool school, IReadOnlyDictionary<string, string> ids)
    {
        yield return ($"{Base(school)}/compliance", Role.Governor);
        yield return ($"{Base(school)}/compliance/items", Role.Governor);
        yield return ($"{Base(school)}/people", Role.Office);
        yield return ($"{Base(school)}/approvals", Role.Headteacher);
        yield return ($"{Base(school)}/approvals", Role.ChairOfGovernors);
        yield return ($"{Base(school)}/me/exceptions", Role.Teacher);
        yield return ($"{Base(school)}/official-accounts", Role.Governor);
        yield return ($"{Base(school)}/audit-trail", Role.Governor);
        foreach (var (key, id) in ids)
        {
            yield return (key.StartsWith("account", StringComparison.Ordinal) ? $"{Base(school)}/official-accounts/{id}" : $"{Base(school)}/exceptions/{id}",
                Role.Headteacher);
        }
    }

    /// <summary>The body without its <c>asOf</c>, as comparable text.</summary>
    static string Comparable(JsonObject body)
    {
        var copy = body.DeepClone().AsObject();
        copy.Remove("asOf");
        return copy.ToJsonString();
    }

    static string With(string path, string asOf) => $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}asOf={Uri.EscapeDataString(asOf)}";

    static string LondonToday() =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/London")).DateTime)
            .ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Every_earlier_position_answers_exactly_what_the_live_dashboards_and_registers_said_then()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var school = arranged.School;
        var clients = new Dictionary<Role, HttpClient>();
        async Task<HttpClient> As(Role role) => clients.TryGetValue(role, out var c) ? c : clients[role] = await school.As(role);
        var ids = new Dictionary<string, string>();
        var captured = new List<(long Position, Dictionary<string, string> Bodies)>();

        async Task CaptureAsync()
        {
            var bodies = new Dictionary<string, string>();
            long? position = null;
            foreach (var (path, reader) in Reads(school, ids))
            {
                var body = await AsOfReads.ReadAsync(await As(reader), path);
                var asOf = body["asOf"]!;
                Assert.True(asOf["live"]!.GetValue<bool>(), path);
                Assert.Null(asOf["asyncPosition"]?.GetValue<long>()); // the client waits for the daemon before reading
                position ??= asOf["position"]!.GetValue<long>();
                Assert.Equal(position, asOf["position"]!.GetValue<long>());
                bodies[$"{reader} {path}"] = Comparable(body);
            }
            captured.Add((position!.Value, bodies));
        }

        await CaptureAsync();
        var teacher = await As(Role.Teacher);
        var ack = await teacher.PostAsJsonAsync($"{Base(school)}/policies/social-media/acknowledgements",
            new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha });
        Assert.Equal(HttpStatusCode.Created, ack.StatusCode);
        await CaptureAsync();
        ids["declaration"] = await CreatedIdAsync(teacher, $"{Base(school)}/declarations", Declaration);
        await CaptureAsync();
        await PostOkAsync(await As(Role.Dsl), $"{Base(school)}/exceptions/{ids["declaration"]}/dsl-advice", new { advice = "Low risk; family settings only." });
        await CaptureAsync();
        await PostOkAsync(await As(Role.Headteacher), $"{Base(school)}/exceptions/{ids["declaration"]}/approval",
            new { conditions = "No direct messaging.", until = Day(100) });
        await CaptureAsync();
        ids["request"] = await CreatedIdAsync(teacher, $"{Base(school)}/exceptions", Request);
        ids["account"] = await OfficialAccountContractTests.RegisterAsync(school);
        await CaptureAsync();
        await OfficialAccountContractTests.Send(school, Role.Headteacher, $"/official-accounts/{ids["account"]}/custodians",
            $$"""{"custodianId":"{{school.People[Role.Slt]}}","vaultReference":"KeePass: Comms/YouTube"}""");
        await PostOkAsync(await As(Role.Office), $"{Base(school)}/people/{school.People[Role.Slt]}/leaving", new { leftOn = Day(0) });
        await CaptureAsync();
        Assert.True(captured.Select(c => c.Position).Distinct().Count() == captured.Count, "every step moved the ledger on");
        var queue = $"{Role.Headteacher} {Base(school)}/approvals";
        Assert.True(captured.Select(c => c.Bodies[queue]).Distinct().Count() >= 3, "the queue changed along the way, so equality says something");
        var dashboard = $"{Role.Governor} {Base(school)}/compliance";
        Assert.True(captured.Select(c => c.Bodies[dashboard]).Distinct().Count() >= 4, "so did the dashboard");

        foreach (var (position, bodies) in captured)
        {
            foreach (var (path, reader) in Reads(school, ids))
            {
                var key = $"{reader} {path}";
                if (!bodies.TryGetValue(key, out var live))
                {
                    continue; // the item did not exist yet at that position
                }
                var then = await AsOfReads.ReadAsync(await As(reader), With(path, position.ToString(CultureInfo.InvariantCulture)));
                Assert.Equal(live, Comparable(then));
                var asOf = then["asOf"]!;
                Assert.False(asOf["live"]!.GetValue<bool>());
                Assert.Equal(position, asOf["position"]!.GetValue<long>());
                Assert.Equal(LondonToday(), asOf["day"]!.GetValue<string>());
            }
        }
    }

    [Fact]
    public async Task As_of_today_is_the_whole_ledger_and_as_of_a_day_before_the_school_existed_is_not_found()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var school = arranged.School;
        await CreatedIdAsync(await school.As(Role.Teacher), $"{Base(school)}/declarations", Declaration);
        var head = await school.As(Role.Headteacher);
        var live = await AsOfReads.ReadAsync(head, $"{Base(school)}/approvals");

        var today = await AsOfReads.ReadAsync(head, With($"{Base(school)}/approvals", LondonToday()));
        Assert.Equal(Comparable(live), Comparable(today));
        Assert.Equal(live["asOf"]!["position"]!.GetValue<long>(), today["asOf"]!["position"]!.GetValue<long>());
        Assert.Equal(LondonToday(), today["asOf"]!["day"]!.GetValue<string>());
        Assert.Equal(LondonToday(), today["asOf"]!["requested"]!.GetValue<string>());

        var yesterday = DateOnly.ParseExact(LondonToday(), "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await UseCase.AssertProblem(await head.GetAsync(With($"{Base(school)}/compliance", yesterday)), HttpStatusCode.NotFound, "before the school existed");
    }

    [Fact]
    public async Task The_live_dashboard_says_which_position_and_day_it_reflects_and_so_does_the_dashboard_as_of_a_position()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var governor = await arranged.School.As(Role.Governor);
        var live = await AsOfReads.ReadAsync(governor, $"{Base(arranged.School)}/compliance");
        var head = live["asOf"]!["position"]!.GetValue<long>();
        Assert.Equal(head, await app.CountEventsAsync(arranged.School.Urn));
        Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), live["asOf"]!["day"]!.GetValue<string>());

        var first = await AsOfReads.ReadAsync(governor, With($"{Base(arranged.School)}/compliance", "1"));
        Assert.Equal(1, first["asOf"]!["position"]!.GetValue<long>());
        Assert.Equal(arranged.School.Urn, first["urn"]!.GetValue<string>());
        Assert.Equal($"Test School {arranged.School.Urn}", first["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("")]
    [InlineData("2026-13-01")]
    [InlineData("01/09/2026")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("12abc")]
    [InlineData("1e3")]
    [InlineData("99999999999999999999999")]
    [InlineData("999999")]
    [InlineData("2999-09-01")]
    public async Task A_bad_asOf_is_refused_with_problem_details_and_writes_nothing(string asOf)
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        await app.ProjectionsCaughtUpAsync();
        var before = await app.CountEventsAsync();
        var rows = await ReadModelRowsAsync();
        var governor = await arranged.School.As(Role.Governor);
        foreach (var path in new[] { "/compliance", "/compliance/items", "/people", "/official-accounts", "/audit-trail" })
        {
            await UseCase.AssertProblem(await governor.GetAsync(With($"{Base(arranged.School)}{path}", asOf)), HttpStatusCode.BadRequest, $"{path} asOf={asOf}");
        }
        Assert.Equal(before, await app.CountEventsAsync());
        Assert.Equal(rows, await ReadModelRowsAsync());
    }

    [Fact]
    public async Task The_trust_dashboard_refuses_a_chain_position_as_asOf_with_a_reason()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var leader = await arranged.School.As(Role.TrustLeader);
        // Positions belong to one school's chain; a trust is asked as of a day (TrustAsOfTests).
        var response = await leader.GetAsync("/api/trusts/trust-t1/compliance?asOf=3");
        await UseCase.AssertProblem(response, HttpStatusCode.BadRequest, "trust as of");
        Assert.Contains("each school", (await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        var live = await AsOfReads.ReadAsync(leader, "/api/trusts/trust-t1/compliance");
        Assert.True(live["asOf"]!["live"]!.GetValue<bool>());
        var line = live["schoolLines"]!.AsArray().Single(l => l!["urn"]!.GetValue<string>() == arranged.School.Urn)!;
        Assert.Equal(await app.CountEventsAsync(arranged.School.Urn), line["position"]!.GetValue<long>());
    }

    [Fact]
    public async Task Who_may_ask_as_of_is_who_may_read_live()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var other = await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())));
        var before = await app.CountEventsAsync();
        var path = With($"{Base(arranged.School)}/compliance", "1");

        await UseCase.AssertProblem(await (await arranged.School.As(Role.Teacher)).GetAsync(path), HttpStatusCode.Forbidden, "teacher as of");
        await UseCase.AssertProblem(await (await arranged.School.As(Role.Teacher)).GetAsync(With($"{Base(arranged.School)}/approvals", "1")),
            HttpStatusCode.Forbidden, "teacher reads the queue as of");
        await UseCase.AssertProblem(await (await other.School.As(Role.Headteacher)).GetAsync(path), HttpStatusCode.NotFound, "another school as of");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().GetAsync(path)).StatusCode);
        Assert.Equal(before, await app.CountEventsAsync());
    }

    [Fact]
    public async Task The_OpenAPI_document_offers_asOf_on_every_dashboard_and_register()
    {
        var document = JsonNode.Parse(await app.Client().GetStringAsync("/openapi/v1.json"))!;
        foreach (var path in new[]
        {
            "/api/schools/{urn}/compliance", "/api/schools/{urn}/compliance/items", "/api/schools/{urn}/people", "/api/schools/{urn}/approvals",
            "/api/schools/{urn}/me/exceptions", "/api/schools/{urn}/exceptions/{id}", "/api/schools/{urn}/official-accounts",
            "/api/schools/{urn}/official-accounts/{accountId}", "/api/schools/{urn}/audit-trail", "/api/trusts/{trustId}/compliance",
        })
        {
            var parameters = document["paths"]![path]!["get"]!["parameters"]!.AsArray();
            var asOf = parameters.SingleOrDefault(p => p!["name"]!.GetValue<string>() == "asOf");
            Assert.True(asOf is not null, $"{path} has no asOf parameter");
            Assert.Equal("query", asOf!["in"]!.GetValue<string>());
            Assert.False(string.IsNullOrWhiteSpace(asOf["description"]?.GetValue<string>()), $"{path}: asOf is described");
        }
    }

    /// <summary>Rows in every live read model: a refused or answered "as of" must leave them as they were.</summary>
    async Task<long> ReadModelRowsAsync()
    {
        await using var command = app.AdminDataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM rm.schools) + (SELECT count(*) FROM rm.people) + (SELECT count(*) FROM rm.compliance)
                 + (SELECT count(*) FROM rm.exceptions) + (SELECT count(*) FROM rm.official_accounts)
            """);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
