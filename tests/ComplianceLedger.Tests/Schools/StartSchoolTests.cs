using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Schools;

/// <summary><c>ledger school add</c> on a ledger with nothing in it: a real school begins without the demo.</summary>
public sealed partial class SchoolAddCommandTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static readonly string[] Teacher = ["teacher"];

    [Fact]
    public async Task Ledger_school_add_on_an_empty_ledger_makes_a_school_whose_headteacher_signs_in_and_enrols_a_teacher()
    {
        Assert.Equal(0, await app.CountEventsAsync());
        var run = (await LedgerRun.RunAsync("school", "add", "--urn", "181001", "--name", "Calcot Junior School", "--trust", "kennet",
            "--trust-name", "Kennet Valley Trust", "--headteacher-name", "Dana Whitfield", "--headteacher-email", "head@calcot.reading.sch.uk",
            "--connection", app.AppConnectionString)).ShouldExitWith(0).ShouldContain("Calcot Junior School (URN 181001) in trust kennet");
        var headId = Guid.Parse(PersonId().Match(run.Output).Groups[1].Value);

        var head = await app.ClientFor("181001", headId);
        var me = await head.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal("Dana Whitfield", me.GetProperty("name").GetString());
        Assert.Equal(["headteacher"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        var enrolled = await head.PostAsJsonAsync("/api/schools/181001/people", new { name = "Priya Shah", roles = Teacher, startedOn = "2026-09-01" });
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        var people = await head.GetFromJsonAsync<JsonElement>("/api/schools/181001/people");
        Assert.Equal(2, people.GetProperty("items").GetArrayLength());

        // The same URN again is refused, and nothing more is written.
        var before = await app.CountEventsAsync("181001");
        (await LedgerRun.RunAsync("school", "add", "--urn", "181001", "--name", "Another School", "--headteacher-name", "Sam Okoro",
            "--headteacher-email", "head@another.sch.uk", "--connection", app.AppConnectionString)).ShouldExitWith(1).ShouldContain("already registered");
        Assert.Equal(before, await app.CountEventsAsync("181001"));
    }

    [Theory]
    [InlineData("12345", "head@calcot.sch.uk", "--urn must be the school's six-digit")]
    [InlineData("18100a", "head@calcot.sch.uk", "--urn must be the school's six-digit")]
    [InlineData("181002", "not an address", "--headteacher-email must be")]
    public async Task Ledger_school_add_refuses_bad_input_with_exit_2_and_writes_nothing(string urn, string email, string message)
    {
        var before = await app.CountEventsAsync();
        (await LedgerRun.RunAsync("school", "add", "--urn", urn, "--name", "Calcot Junior School", "--headteacher-name", "Dana Whitfield",
            "--headteacher-email", email, "--connection", app.AppConnectionString)).ShouldExitWith(2).ShouldContain(message);
        Assert.Equal(before, await app.CountEventsAsync());
    }

    [GeneratedRegex("person ([0-9a-f-]{36})")]
    private static partial Regex PersonId();
}

/// <summary><c>POST /api/trusts/{trustId}/schools</c>: a trust leader adds a school to their trust.</summary>
public sealed class AddTrustSchoolTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static readonly string[] Office = ["office"];

    static object NewSchool(string urn) => new { urn, name = "Riverside Academy", headteacherName = "Sam Okoro", headteacherEmail = "head@riverside.sch.uk" };

    [Fact]
    public async Task A_trust_leader_adds_a_school_whose_headteacher_signs_in_and_which_joins_the_trust_dashboard()
    {
        var school = await app.SchoolAsync("182001", Role.TrustLeader, Role.Headteacher);
        var leader = await school.As(Role.TrustLeader);

        var response = await leader.PostAsJsonAsync("/api/trusts/trust-t1/schools", NewSchool("182002"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var started = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("182002", started.GetProperty("urn").GetString());
        Assert.Equal("trust-t1", started.GetProperty("trustId").GetString());

        var head = await app.ClientFor("182002", started.GetProperty("headteacherId").GetGuid());
        Assert.Equal("Sam Okoro", (await head.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("name").GetString());
        (await head.PostAsJsonAsync("/api/schools/182002/people", new { name = "Mei Chen", roles = Office, startedOn = "2026-09-01" }))
            .EnsureSuccessStatusCode();

        var trust = await leader.GetFromJsonAsync<JsonElement>(response.Headers.Location!.ToString());
        Assert.Contains(trust.GetProperty("schoolLines").EnumerateArray(), l => l.GetProperty("urn").GetString() == "182002");
    }

    [Fact]
    public async Task A_urn_already_registered_or_not_six_digits_is_refused_and_nothing_is_written()
    {
        var school = await app.SchoolAsync("182101", Role.TrustLeader, Role.Headteacher);
        var leader = await school.As(Role.TrustLeader);
        var before = await app.CountEventsAsync();

        var duplicate = await leader.PostAsJsonAsync("/api/trusts/trust-t1/schools", NewSchool("182101"));
        await UseCase.AssertProblem(duplicate, HttpStatusCode.Conflict, "an existing URN");
        Assert.Contains("182101 is already registered", await duplicate.Content.ReadAsStringAsync());

        foreach (var urn in new[] { "12345", "1821023", "18210x", "" })
        {
            var bad = await leader.PostAsJsonAsync("/api/trusts/trust-t1/schools", NewSchool(urn));
            await UseCase.AssertProblem(bad, HttpStatusCode.BadRequest, $"URN \"{urn}\"");
            Assert.Contains("urn must be the school's six-digit", await bad.Content.ReadAsStringAsync());
        }
        var noEmail = await leader.PostAsJsonAsync("/api/trusts/trust-t1/schools", new { urn = "182103", name = "Riverside Academy", headteacherName = "Sam Okoro" });
        await UseCase.AssertProblem(noEmail, HttpStatusCode.BadRequest, "no headteacher email");
        Assert.Contains("headteacherEmail", await noEmail.Content.ReadAsStringAsync());
        Assert.Equal(before, await app.CountEventsAsync());
    }

    [Fact]
    public async Task Only_a_trust_leader_of_that_trust_adds_a_school_to_it()
    {
        var school = await app.SchoolAsync("182201", Role.TrustLeader, Role.Headteacher);
        var before = await app.CountEventsAsync();
        await UseCase.AssertProblem(await (await school.As(Role.Headteacher)).PostAsJsonAsync("/api/trusts/trust-t1/schools", NewSchool("182202")),
            HttpStatusCode.NotFound, "a headteacher is not a trust leader");
        await UseCase.AssertProblem(await (await school.As(Role.TrustLeader)).PostAsJsonAsync("/api/trusts/another-trust/schools", NewSchool("182202")),
            HttpStatusCode.NotFound, "another trust");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().PostAsJsonAsync("/api/trusts/trust-t1/schools", NewSchool("182202"))).StatusCode);
        Assert.Equal(before, await app.CountEventsAsync());
    }
}
