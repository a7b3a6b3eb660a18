using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.UseCases;

/// <summary>The contract checks for the school, people, policy and acknowledgement use cases.</summary>
public sealed class PeopleAndPolicyContractTests(LedgerApp app) : UseCaseContract<PeopleAndPolicyContractTests>(app), IClassFixture<LedgerApp>, IUseCaseCatalog
{
    public const string Sha = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b";

    public static string PublishBody(string label = "1") => $$"""
        {"title":"Social Media Policy","versionLabel":"{{label}}","documentSha256":"{{Sha}}","effectiveFrom":"2026-09-01",
         "reviewCycleYears":1,"responsibleCommittee":"Full governing board","audiences":["teacher","support-staff"],
         "daysToAcknowledge":14,"maxExceptionDays":365}
        """;

    /// <summary>A school with the social media policy published (version 1).</summary>
    public static async Task<Arranged> WithPolicy(TestSchool school)
    {
        var head = await school.As(Role.Headteacher);
        var response = await head.PostAsync($"/api/schools/{school.Urn}/policies/social-media/versions",
            new StringContent(PublishBody(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return new Arranged(school, new Dictionary<string, string> { ["teacher"] = school.People[Role.Teacher].ToString() });
    }

    /// <summary>A school whose social media policy is published without governors' ratification yet.</summary>
    static async Task<Arranged> WithUnratifiedPolicy(TestSchool school)
    {
        var head = await school.As(Role.Headteacher);
        var response = await head.PostAsync($"/api/schools/{school.Urn}/policies/social-media/versions",
            new StringContent(PublishBody(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return new Arranged(school, new Dictionary<string, string> { ["chair"] = school.People[Role.ChairOfGovernors].ToString() });
    }

    /// <summary>A school whose teacher is on maternity leave.</summary>
    static async Task<Arranged> OnLeave(TestSchool school)
    {
        var office = await school.As(Role.Office);
        var response = await office.PostAsJsonAsync($"/api/schools/{school.Urn}/people/{school.People[Role.Teacher]}/leave",
            new { kind = "maternity", from = "2026-06-01" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new Arranged(school, new Dictionary<string, string> { ["teacher"] = school.People[Role.Teacher].ToString() });
    }

    static Task<Arranged> Nothing(TestSchool school) =>
        Task.FromResult(new Arranged(school, new Dictionary<string, string> { ["teacher"] = school.People[Role.Teacher].ToString() }));

    static IReadOnlyList<UseCase> IUseCaseCatalog.Catalog => Cases;

    public static readonly UseCase[] Cases =
    [
        new("enrol a person", Role.Office, Role.Teacher, Nothing,
            a => $"/api/schools/{a.School.Urn}/people",
            _ => """{"name":"Mr Sam Cole","roles":["support-staff"],"startedOn":"2026-09-01"}""",
            [("missing name", """{"roles":["teacher"],"startedOn":"2026-09-01"}"""),
             ("unknown role", """{"name":"A","roles":["janitor"],"startedOn":"2026-09-01"}"""),
             ("no roles", """{"name":"A","roles":[],"startedOn":"2026-09-01"}"""),
             ("bad date", """{"name":"A","roles":["teacher"],"startedOn":"1st September"}"""),
             ("year 1 for 2001", """{"name":"A","roles":["teacher"],"startedOn":"0001-09-01"}""")],
            HttpStatusCode.Created),
        new("change roles", Role.Slt, Role.Governor, Nothing,
            a => $"/api/schools/{a.School.Urn}/people/{a["teacher"]}/roles",
            _ => """{"roles":["teacher","slt"],"effectiveOn":"2026-10-01"}""",
            [("missing roles", """{"effectiveOn":"2026-10-01"}"""), ("role as a number", """{"roles":[3],"effectiveOn":"2026-10-01"}""")],
            Method: HttpMethod.Put),
        new("start leave", Role.Office, Role.Volunteer, Nothing,
            a => $"/api/schools/{a.School.Urn}/people/{a["teacher"]}/leave",
            _ => """{"kind":"maternity","from":"2026-10-01"}""",
            [("unknown kind", """{"kind":"gardening","from":"2026-10-01"}"""), ("missing from", """{"kind":"maternity"}""")]),
        new("return from leave", Role.Office, Role.Governor, OnLeave,
            a => $"/api/schools/{a.School.Urn}/people/{a["teacher"]}/return",
            _ => """{"on":"2026-11-02"}""",
            [("missing date", "{}"), ("date as a number", """{"on":20261102}"""), ("back before the leave began", """{"on":"2026-05-31"}""")]),
        new("record leaving", Role.Headteacher, Role.Teacher, Nothing,
            a => $"/api/schools/{a.School.Urn}/people/{a["teacher"]}/leaving",
            _ => """{"leftOn":"2026-12-31"}""",
            [("missing date", "{}"), ("null date", """{"leftOn":null}""")]),
        new("publish a policy version", Role.Headteacher, Role.Teacher, Nothing,
            a => $"/api/schools/{a.School.Urn}/policies/social-media/versions",
            _ => PublishBody(),
            [("bad hash", PublishBody().Replace(Sha, "abc", StringComparison.Ordinal)),
             ("three-year cycle", PublishBody().Replace("\"reviewCycleYears\":1", "\"reviewCycleYears\":3", StringComparison.Ordinal)),
             ("no audience", PublishBody().Replace("[\"teacher\",\"support-staff\"]", "[]", StringComparison.Ordinal)),
             ("unknown audience", PublishBody().Replace("support-staff", "parents", StringComparison.Ordinal)),
             ("effective in 9999 (its review would fall past the calendar)", PublishBody().Replace("2026-09-01", "9999-12-31", StringComparison.Ordinal)),
             ("a title of 201 characters", PublishBody().Replace("Social Media Policy", new string('t', 201), StringComparison.Ordinal))],
            HttpStatusCode.Created),
        new("review a policy", Role.Slt, Role.Office, WithPolicy,
            a => $"/api/schools/{a.School.Urn}/policies/social-media/reviews",
            _ => """{"reviewedOn":"2026-10-01"}""",
            [("missing date", "{}"), ("future date", """{"reviewedOn":"2099-01-01"}""")]),
        new("ratify a policy version", Role.ChairOfGovernors, Role.Teacher, WithUnratifiedPolicy,
            a => $"/api/schools/{a.School.Urn}/policies/social-media/versions/1/ratification",
            a => $$"""{"ratifiedOn":"2026-08-20","chairPersonId":"{{a["chair"]}}"}""",
            [("missing chair", """{"ratifiedOn":"2026-08-20"}"""), ("chair is not a guid", """{"ratifiedOn":"2026-08-20","chairPersonId":"Mrs Jones"}"""),
             ("someone other than the chair", $$"""{"ratifiedOn":"2026-08-20","chairPersonId":"{{Guid.Empty}}"}""")]),
        new("retire a policy", Role.Headteacher, Role.Governor, WithPolicy,
            a => $"/api/schools/{a.School.Urn}/policies/social-media/retirement",
            _ => """{"retiredOn":"2026-12-31"}""",
            [("missing date", "{}")]),
        new("decline to acknowledge", Role.Teacher, Role.Teacher, WithPolicy,
            a => $"/api/schools/{a.School.Urn}/policies/social-media/refusals",
            _ => """{"versionLabel":"1","reason":"I run a community page and need to discuss it first."}""",
            [("missing reason", """{"versionLabel":"1"}"""), ("reason too long", $$"""{"versionLabel":"1","reason":"{{new string('x', 2001)}}"}""")],
            HttpStatusCode.Created),
        new("acknowledge a policy", Role.Teacher, Role.Teacher, WithPolicy,
            a => $"/api/schools/{a.School.Urn}/policies/social-media/acknowledgements",
            _ => $$"""{"versionLabel":"1","documentSha256":"{{Sha}}"}""",
            [("missing hash", """{"versionLabel":"1"}""")],
            HttpStatusCode.Created),
        new("record a paper acknowledgement", Role.Office, Role.Teacher, WithPolicy,
            a => $"/api/schools/{a.School.Urn}/people/{a["teacher"]}/paper-acknowledgements",
            _ => $$"""{"policyId":"social-media","versionLabel":"1","documentSha256":"{{Sha}}","signedAt":"2026-09-03T10:00:00Z"}""",
            [("missing signedAt", $$"""{"policyId":"social-media","versionLabel":"1","documentSha256":"{{Sha}}"}"""),
             ("bad policy id", $$"""{"policyId":"Social Media!","versionLabel":"1","documentSha256":"{{Sha}}","signedAt":"2026-09-03T10:00:00Z"}""")],
            HttpStatusCode.Created),
        new("set account rules", Role.Headteacher, Role.Office, Nothing,
            a => $"/api/schools/{a.School.Urn}/account-rules",
            _ => """{"emailDomains":["school.sch.uk"],"handleTag":"IHS"}""",
            [("no domains", """{"emailDomains":[]}"""), ("bad tag", """{"emailDomains":["school.sch.uk"],"handleTag":"#!"}""")],
            Method: HttpMethod.Put),
    ];

    [Fact]
    public async Task Acknowledging_is_for_everyone_but_only_for_yourself_and_the_current_hash()
    {
        var arranged = await UseCase.FreshSchoolAsync(App, WithPolicy);
        var volunteer = await arranged.School.As(Role.Volunteer);
        var path = $"/api/schools/{arranged.School.Urn}/policies/social-media/acknowledgements";

        var wrongHash = await volunteer.PostAsJsonAsync(path, new { versionLabel = "1", documentSha256 = new string('0', 64) });
        await UseCase.AssertProblem(wrongHash, HttpStatusCode.Conflict, "wrong hash");
        var ok = await volunteer.PostAsJsonAsync(path, new { versionLabel = "1", documentSha256 = Sha });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var again = await volunteer.PostAsJsonAsync(path, new { versionLabel = "1", documentSha256 = Sha });
        await UseCase.AssertProblem(again, HttpStatusCode.Conflict, "twice");
    }

    [Fact]
    public async Task A_person_who_has_left_can_no_longer_act()
    {
        var arranged = await UseCase.FreshSchoolAsync(App, Nothing);
        var teacher = await arranged.School.As(Role.Teacher);
        var head = await arranged.School.As(Role.Headteacher);
        var left = await head.PostAsJsonAsync($"/api/schools/{arranged.School.Urn}/people/{arranged["teacher"]}/leaving", new { leftOn = "2026-01-01" });
        Assert.Equal(HttpStatusCode.OK, left.StatusCode);

        var response = await teacher.GetAsync($"/api/schools/{arranged.School.Urn}/people");
        // Leaving ends their sessions: the cookie no longer signs them in.
        await UseCase.AssertProblem(response, HttpStatusCode.Unauthorized, "after leaving");
    }

    [Fact]
    public async Task Nobody_signed_in_gets_401()
    {
        var response = await App.Client().GetAsync("/api/schools/810001/people");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var me = await App.Client().GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task The_people_list_opens_names_for_the_school()
    {
        var arranged = await UseCase.FreshSchoolAsync(App, Nothing);
        var people = (await UseCaseChecks.GetJson(await arranged.School.As(Role.Office), $"/api/schools/{arranged.School.Urn}/people")).GetProperty("items");
        Assert.Contains(people.EnumerateArray(), p => p.GetProperty("name").GetString() == $"Teacher of {arranged.School.Urn}");
    }
}
