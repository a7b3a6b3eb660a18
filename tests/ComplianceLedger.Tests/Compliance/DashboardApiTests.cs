using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Compliance;

public sealed class DashboardApiTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    const string Sha = PeopleAndPolicyContractTests.Sha;

    static readonly string[] TeacherAndVolunteer = ["teacher", "volunteer"];

    [Fact]
    public async Task An_acknowledgement_shows_on_the_dashboard_at_once_with_the_positions_that_prove_it()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var urn = arranged.School.Urn;
        var governor = await arranged.School.As(Role.Governor);
        var before = await governor.GetFromJsonAsync<JsonElement>($"/api/schools/{urn}/compliance");
        var coverage = before.GetProperty("coverage").EnumerateArray().Single(c => c.GetProperty("policyId").GetString() == "social-media");
        Assert.Equal(0, coverage.GetProperty("acknowledged").GetInt32());
        Assert.Equal(2, coverage.GetProperty("required").GetInt32()); // the teacher and the support worker

        var teacher = await arranged.School.As(Role.Teacher);
        var ack = await teacher.PostAsJsonAsync($"/api/schools/{urn}/policies/social-media/acknowledgements", new { versionLabel = "1", documentSha256 = Sha });
        var position = (await ack.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("positions")[0].GetInt64();

        var after = await governor.GetFromJsonAsync<JsonElement>($"/api/schools/{urn}/compliance");
        var byRole = after.GetProperty("coverage").EnumerateArray().Single(c => c.GetProperty("policyId").GetString() == "social-media")
            .GetProperty("byRole").EnumerateArray().ToDictionary(r => r.GetProperty("role").GetString()!, r => r.GetProperty("percent").GetDecimal());
        Assert.Equal(100m, byRole["teacher"]);
        Assert.Equal(0m, byRole["support-staff"]);

        var items = (await governor.GetFromJsonAsync<JsonElement>($"/api/schools/{urn}/compliance/items?rule=acknowledgement&status=ok")).GetProperty("items");
        var item = Assert.Single(items.EnumerateArray());
        Assert.Equal($"Teacher of {urn}", item.GetProperty("personName").GetString());
        Assert.Contains(position, item.GetProperty("proof").EnumerateArray().Select(p => p.GetInt64()));
    }

    [Fact]
    public async Task The_verdict_counts_the_trust_dashboard_reads_match_the_verdicts_after_they_change()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var urn = arranged.School.Urn;
        var teacher = await arranged.School.As(Role.Teacher);
        (await teacher.PostAsJsonAsync($"/api/schools/{urn}/policies/social-media/acknowledgements", new { versionLabel = "1", documentSha256 = Sha })).EnsureSuccessStatusCode();
        await app.ProjectionsCaughtUpAsync();

        // The same keys the triggers keep (140_compliance_counts.sql), straight from rm.compliance.
        const string Key = """
            rule, CASE WHEN rule = 'acknowledgement' THEN scope END, CASE WHEN rule = 'acknowledgement' THEN roles ELSE '{}' END, status,
            CASE WHEN status IN ('ok', 'due') THEN due_on END
            """;
        async Task<List<string>> RowsAsync(string sql)
        {
            await using var command = app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>().CreateCommand(sql);
            command.Parameters.AddWithValue(urn);
            var rows = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }
            return rows;
        }
        async Task<(List<string> Verdicts, List<string> Counts)> BothAsync() => (
            await RowsAsync($"SELECT concat_ws('|', {Key}, count(*)) AS r FROM rm.compliance WHERE tenant = $1 GROUP BY {Key} ORDER BY r"),
            await RowsAsync("SELECT concat_ws('|', rule, scope, roles, status, due_on, n) AS r FROM rm.compliance_counts WHERE tenant = $1 ORDER BY r"));
        var (verdicts, counts) = await BothAsync();
        Assert.Contains(verdicts, v => v.StartsWith("acknowledgement|social-media|{teacher}|ok|", StringComparison.Ordinal));
        Assert.Equal(verdicts, counts);

        // A verdict moving to another key (new roles), then deleted (the person leaves).
        var office = await arranged.School.As(Role.Office);
        (await office.PutAsJsonAsync($"/api/schools/{urn}/people/{arranged["teacher"]}/roles", new { roles = TeacherAndVolunteer, effectiveOn = "2026-10-01" })).EnsureSuccessStatusCode();
        await app.ProjectionsCaughtUpAsync();
        (verdicts, counts) = await BothAsync();
        Assert.Contains(verdicts, v => v.StartsWith("acknowledgement|social-media|{teacher,volunteer}|", StringComparison.Ordinal));
        Assert.DoesNotContain(verdicts, v => v.StartsWith("acknowledgement|social-media|{teacher}|", StringComparison.Ordinal));
        Assert.Equal(verdicts, counts);

        (await office.PostAsJsonAsync($"/api/schools/{urn}/people/{arranged["teacher"]}/leaving", new { leftOn = "2026-11-01" })).EnsureSuccessStatusCode();
        await app.ProjectionsCaughtUpAsync();
        (verdicts, counts) = await BothAsync();
        Assert.DoesNotContain(verdicts, v => v.Contains("{teacher,volunteer}", StringComparison.Ordinal));
        Assert.Equal(verdicts, counts);
    }

    [Fact]
    public async Task Staff_without_a_governance_or_leadership_role_cannot_read_the_dashboard()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var response = await (await arranged.School.As(Role.Teacher)).GetAsync($"/api/schools/{arranged.School.Urn}/compliance");
        await UseCase.AssertProblem(response, HttpStatusCode.Forbidden, "teacher reads the dashboard");
    }

    [Fact]
    public async Task Only_a_trust_leader_of_one_of_its_schools_sees_the_trust_dashboard()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var leader = await arranged.School.As(Role.TrustLeader);
        var trust = await leader.GetFromJsonAsync<JsonElement>("/api/trusts/trust-t1/compliance");
        Assert.Contains(trust.GetProperty("schoolLines").EnumerateArray(), l => l.GetProperty("urn").GetString() == arranged.School.Urn);

        var head = await arranged.School.As(Role.Headteacher);
        await UseCase.AssertProblem(await head.GetAsync("/api/trusts/trust-t1/compliance"), HttpStatusCode.NotFound, "head is not a trust leader");
        await UseCase.AssertProblem(await leader.GetAsync("/api/trusts/another-trust/compliance"), HttpStatusCode.NotFound, "another trust");
    }

    [Fact]
    public async Task Development_sign_in_does_not_exist_outside_Development()
    {
        await using var production = app.StartAnotherInstance(web => web.UseEnvironment("Production"));
        var client = production.Server.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/dev/sign-in")).StatusCode);
        var post = await client.PostAsync("/dev/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["urn"] = "810001" }));
        // Refused, and nobody signed in: 404, or 405 where the built files' catch-all GET route
        // (MapStaticAssets) matches the address for GET only.
        Assert.Contains(post.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
        Assert.False(post.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task The_development_sign_in_page_lists_people_by_school_with_their_names()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var page = await app.Client().GetStringAsync("/dev/sign-in");
        Assert.Contains($"Headteacher of {arranged.School.Urn}", page, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en-GB\"", page, StringComparison.Ordinal);
    }
}
