using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Trusts;

/// <summary>A trust leader drills down from the trust dashboard into any school of the trust, reading only.</summary>
public sealed class TrustLeaderAccessTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static readonly string[] Reads = ["/compliance", "/compliance/items", "/people", "/audit-trail", "/policies", "/official-accounts"];

    [Fact]
    public async Task A_trust_leader_reads_the_dashboards_people_and_audit_trail_of_another_school_of_the_trust()
    {
        var home = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var other = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var leader = await home.School.As(Role.TrustLeader);

        // The trust dashboard lists the other school, and its line leads to the school's own dashboard.
        var trust = await leader.GetFromJsonAsync<JsonElement>("/api/trusts/trust-t1/compliance");
        Assert.Contains(trust.GetProperty("schoolLines").EnumerateArray(), l => l.GetProperty("urn").GetString() == other.School.Urn);
        foreach (var path in Reads)
        {
            var response = await leader.GetAsync($"/api/schools/{other.School.Urn}{path}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var compliance = await leader.GetFromJsonAsync<JsonElement>($"/api/schools/{other.School.Urn}/compliance");
        Assert.Equal(other.School.Urn, compliance.GetProperty("urn").GetString());
        var people = await leader.GetFromJsonAsync<JsonElement>($"/api/schools/{other.School.Urn}/people");
        Assert.Contains(people.GetProperty("items").EnumerateArray(), p => p.GetProperty("name").GetString() == $"Teacher of {other.School.Urn}");
        var trail = await leader.GetFromJsonAsync<JsonElement>($"/api/schools/{other.School.Urn}/audit-trail");
        Assert.NotEmpty(trail.GetProperty("lines").EnumerateArray());

        // Staff's declared relationships stay with the headteacher, the DSL and the chair, and the
        // raw events that hold them are not the trust's to read either: nothing but what is marked for trust leaders.
        foreach (var path in new[] { "/approvals", "/events", "/streams/policy-social-media", "/me/to-do", "/me/exceptions" })
        {
            var refused = await leader.GetAsync($"/api/schools/{other.School.Urn}{path}");
            await UseCase.AssertProblem(refused, HttpStatusCode.Forbidden, path);
            Assert.Contains("read staff's own records", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // At their own school the roles they hold there decide, as for anyone.
        Assert.Equal(HttpStatusCode.Forbidden, (await leader.GetAsync($"/api/schools/{home.School.Urn}/events")).StatusCode);

        // Their own school too, although its dashboard is otherwise for governors and leadership.
        Assert.Equal(HttpStatusCode.OK, (await leader.GetAsync($"/api/schools/{home.School.Urn}/compliance")).StatusCode);
    }

    [Fact]
    public async Task A_trust_leader_records_nothing_at_another_school_of_the_trust()
    {
        var home = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var other = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var leader = await home.School.As(Role.TrustLeader);
        var before = await app.CountEventsAsync(other.School.Urn);
        var commands = new (string Path, object Body)[]
        {
            ("/policies/social-media/acknowledgements", new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha }),
            ("/people", new { name = "Someone New", roles = new[] { "teacher" }, startedOn = "2026-09-01" }),
            ("/declarations", new { kind = "pupil-family", description = "My niece joined Year 2.", onEntryOf = "pupil", enteredOn = "2026-09-01" }),
        };
        foreach (var (path, body) in commands)
        {
            var response = await leader.PostAsJsonAsync($"/api/schools/{other.School.Urn}{path}", body);
            await UseCase.AssertProblem(response, HttpStatusCode.Forbidden, path);
            var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
            Assert.Contains("only the school's own people can record", detail, StringComparison.Ordinal);
        }
        Assert.Equal(before, await app.CountEventsAsync(other.School.Urn));
    }

    [Fact]
    public async Task A_trust_leader_cannot_read_a_school_outside_the_trust()
    {
        var home = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        const string Outside = "829001";
        await app.Setup.RegisterAsync(Outside, "Elsewhere Primary", "trust-elsewhere", "Elsewhere Trust", ["elsewhere.sch.uk"], null, "system:test");
        await app.Setup.RegisterAsync("829002", "Standalone Primary", null, null, ["standalone.sch.uk"], null, "system:test");
        var leader = await home.School.As(Role.TrustLeader);
        foreach (var urn in new[] { Outside, "829002" })
        {
            var response = await leader.GetAsync($"/api/schools/{urn}/compliance");
            await UseCase.AssertProblem(response, HttpStatusCode.NotFound, $"school {urn} outside the trust");
        }

        // And a governor of one school of the trust is no trust leader: another school stays unknown to them.
        var other = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        await UseCase.AssertProblem(await (await home.School.As(Role.Governor)).GetAsync($"/api/schools/{other.School.Urn}/compliance"),
            HttpStatusCode.NotFound, "a governor at another school of the trust");
    }
}
