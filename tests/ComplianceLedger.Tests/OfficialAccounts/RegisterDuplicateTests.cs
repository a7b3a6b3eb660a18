using System.Net;
using System.Text;
using System.Text.Json;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.OfficialAccounts;

/// <summary>The registers refuse what is already on them, over HTTP on real PostgreSQL.</summary>
public sealed class RegisterDuplicateTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static string Body(TestSchool school, string platform, string handle, string url) => $$"""
        {"platform":"{{platform}}","handle":"{{handle}}","url":"{{url}}","purpose":"PE fixtures and results",
         "intendedOutcomes":"Parents know when matches are","ownerId":"{{school.People[Role.Teacher]}}","registrationEmail":"pe@test.sch.uk"}
        """;

    static async Task<HttpResponseMessage> Register(TestSchool school, string platform, string handle, string url) =>
        await (await school.As(Role.Office)).PostAsync($"/api/schools/{school.Urn}/official-accounts",
            new StringContent(Body(school, platform, handle, url), Encoding.UTF8, "application/json"));

    static async Task<long> Accounts(LedgerApp app, string urn)
    {
        await using var command = app.AppDataSource.CreateCommand("SELECT count(*) FROM rm.official_accounts WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task The_same_official_account_posted_twice_is_a_409_naming_the_existing_record()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var first = await Register(school, "x", "@PE_TST", "https://x.com/PE_TST");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var id = first.Headers.Location!.OriginalString.Split('/')[^1];
        var before = await app.CountEventsAsync(school.Urn);

        // Posted again as it was, and as someone else might type it: another case, no @.
        foreach (var (handle, url) in new[] { ("@PE_TST", "https://x.com/PE_TST"), ("pe_tst", "https://twitter.com/pe_tst") })
        {
            var again = await Register(school, "x", handle, url);

            await UseCase.AssertProblem(again, HttpStatusCode.Conflict, $"registering {handle} again");
            var problem = JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(id, problem.GetProperty("existingAccountId").GetString());
            Assert.Contains(id, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var link = problem.GetProperty("existingAccount").GetString()!;
            Assert.Equal(HttpStatusCode.OK, (await (await school.As(Role.Office)).GetAsync(link)).StatusCode);
        }
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
        Assert.Equal(1, await Accounts(app, school.Urn));

        // The same handle on another platform is another account.
        Assert.Equal(HttpStatusCode.Created, (await Register(school, "instagram", "@PE_TST", "https://www.instagram.com/pe_tst/")).StatusCode);
    }

    [Fact]
    public async Task A_retry_with_the_same_idempotency_key_gets_the_first_answer_not_a_conflict()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var client = await school.As(Role.Office);
        async Task<HttpResponseMessage> Post()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/schools/{school.Urn}/official-accounts")
            {
                Content = new StringContent(Body(school, "x", "@RetryTST", "https://x.com/RetryTST"), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", $"register-{school.Urn}");
            return await client.SendAsync(request);
        }

        var first = await Post();
        var retry = await Post();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(1, await Accounts(app, school.Urn));
    }

    [Fact]
    public async Task A_url_whose_handle_disagrees_with_the_handle_is_a_400_naming_url_and_what_was_expected()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var before = await app.CountEventsAsync(school.Urn);

        var response = await Register(school, "x", "@PE_BPA", "https://x.com/PEBPA");

        await UseCase.AssertProblem(response, HttpStatusCode.BadRequest, "a URL naming another handle");
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
        Assert.StartsWith("url ", detail, StringComparison.Ordinal);
        Assert.Contains("https://x.com/PE_BPA", detail, StringComparison.Ordinal);
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
    }

    [Fact]
    public async Task A_decommissioned_account_may_be_registered_again()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var first = await Register(school, "youtube", "@ScienceTST", "https://www.youtube.com/@ScienceTST");
        var id = first.Headers.Location!.OriginalString.Split('/')[^1];
        await OfficialAccountContractTests.Send(school, Role.Slt, $"/official-accounts/{id}/decommissioning", """{"decommissionedOn":"2026-11-01"}""");

        var again = await Register(school, "youtube", "@sciencetst", "https://www.youtube.com/@sciencetst");

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.NotEqual(id, again.Headers.Location!.OriginalString.Split('/')[^1]);
    }

    [Fact]
    public async Task Concurrent_identical_registrations_give_exactly_one_201()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => school.As(Role.Office)));
        var body = Body(school, "tiktok", "@DramaTST", "https://www.tiktok.com/@DramaTST");

        var responses = await Task.WhenAll(clients.Select(c =>
            c.PostAsync($"/api/schools/{school.Urn}/official-accounts", new StringContent(body, Encoding.UTF8, "application/json"))));

        var texts = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.Created) == 1, string.Join("\n", texts));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Equal(1, await Accounts(app, school.Urn));
        Assert.Equal(1, await app.CountEventsAsync(school.Urn) - await EventsBeforeAccounts(school.Urn));
    }

    [Fact]
    public async Task A_registration_that_slips_past_the_decision_is_refused_in_the_append_and_nothing_is_written()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        Assert.Equal(HttpStatusCode.Created, (await Register(school, "x", "@RaceTST", "https://x.com/RaceTST")).StatusCode);
        var before = await app.CountEventsAsync(school.Urn);
        // What the second of two concurrent registrations does once the first has committed.
        var late = Guid.CreateVersion7();
        var registered = new AccountRegistered(late, Platform.X, "racetst", "https://x.com/racetst", "p", "o",
            school.People[Role.Teacher], "sealed", "test.sch.uk", [], "system:test", DateTimeOffset.UtcNow);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => app.Services.GetRequiredService<LedgerStore>().AppendAsync(
            new AppendRequest(school.Urn, Account.StreamId(late), "account", ExpectedVersion.NoStream, [EventTypes.ToNewEvent(registered)],
                new EventMetadata("system:test"))));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, refused.SqlState);
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
    }

    async Task<long> EventsBeforeAccounts(string urn)
    {
        await using var command = app.AppDataSource.CreateCommand("SELECT count(*) FROM ledger.events WHERE tenant = $1 AND event_type <> 'account.registered.v1'");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_duplicate_recorded_before_the_rule_still_rebuilds_and_the_register_then_refuses_a_third()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        Assert.Equal(HttpStatusCode.Created, (await Register(school, "facebook", "@ParentsTST", "https://www.facebook.com/ParentsTST")).StatusCode);
        // History from before the rule: a second registration of the same account, appended without the read model.
        var old = Guid.CreateVersion7();
        var registered = new AccountRegistered(old, Platform.Facebook, "parentstst", "https://www.facebook.com/parentstst", "p", "o",
            school.People[Role.Teacher], "sealed", "test.sch.uk", [], "system:test", DateTimeOffset.UtcNow);
        await app.Store().AppendAsync(new AppendRequest(school.Urn, Account.StreamId(old), "account", ExpectedVersion.NoStream,
            [EventTypes.ToNewEvent(registered)], new EventMetadata("system:test")));

        var services = app.Services;
        await ProjectionRebuild.RunAsync(services.GetRequiredService<NpgsqlDataSource>(), [.. services.GetServices<IProjection>()], tenant: school.Urn);

        Assert.Equal(2, await Accounts(app, school.Urn));
        var third = await Register(school, "facebook", "ParentsTST", "https://facebook.com/ParentsTST");
        await UseCase.AssertProblem(third, HttpStatusCode.Conflict, "a third registration");
        // An "as of" answer replays the same history.
        var asOf = await (await school.As(Role.Governor)).GetAsync($"/api/schools/{school.Urn}/official-accounts?asOf={SchoolDayToday()}");
        Assert.Equal(HttpStatusCode.OK, asOf.StatusCode);
    }

    static string SchoolDayToday() => SchoolDay.Today(TimeProvider.System).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Credentials_already_lodged_with_a_custodian_are_not_lodged_again()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Lodged);
        var before = await app.CountEventsAsync(arranged.School.Urn);

        var again = await (await arranged.School.As(Role.Headteacher)).PostAsync(
            $"/api/schools/{arranged.School.Urn}/official-accounts/{arranged["account"]}/custodians",
            new StringContent($$"""{"custodianId":"{{arranged["slt"]}}","vaultReference":"KeePass: Comms/YouTube"}""", Encoding.UTF8, "application/json"));

        await UseCase.AssertProblem(again, HttpStatusCode.Conflict, "lodging with the same custodian again");
        Assert.Equal(before, await app.CountEventsAsync(arranged.School.Urn));
    }
}
