using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.UseCases;

/// <summary>The contract checks for the official-account and credential-custody use cases.</summary>
public sealed class OfficialAccountContractTests(LedgerApp app) : UseCaseContract<OfficialAccountContractTests>(app), IClassFixture<LedgerApp>, IUseCaseCatalog
{
    public static string RegisterBody(TestSchool school, string handle = "@ScienceTST", string email = "science@test.sch.uk") => $$"""
        {"platform":"youtube","handle":"{{handle}}","url":"https://www.youtube.com/@{{handle.TrimStart('@')}}",
         "purpose":"Science practicals and revision videos","intendedOutcomes":"Pupils revisit practicals at home",
         "ownerId":"{{school.People[Role.Teacher]}}","registrationEmail":"{{email}}"}
        """;

    static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Posts as <paramref name="role"/> and insists on success.</summary>
    public static async Task<JsonElement> Send(TestSchool school, Role role, string path, string body, HttpMethod? method = null)
    {
        var client = await school.As(role);
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, $"/api/schools/{school.Urn}{path}") { Content = Json(body) };
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Registers an account owned by the school's teacher; returns its id.</summary>
    public static async Task<string> RegisterAsync(TestSchool school, string handle = "@ScienceTST", string email = "science@test.sch.uk")
    {
        var client = await school.As(Role.Slt);
        var response = await client.PostAsync($"/api/schools/{school.Urn}/official-accounts", Json(RegisterBody(school, handle, email)));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.OriginalString.Split('/')[^1];
    }

    static Arranged Ids(TestSchool school, string? account = null)
    {
        var ids = new Dictionary<string, string>
        {
            ["teacher"] = school.People[Role.Teacher].ToString(),
            ["head"] = school.People[Role.Headteacher].ToString(),
            ["slt"] = school.People[Role.Slt].ToString(),
        };
        if (account is not null)
        {
            ids["account"] = account;
        }
        return new Arranged(school, ids);
    }

    static Task<Arranged> Nothing(TestSchool school) => Task.FromResult(Ids(school));

    public static async Task<Arranged> Registered(TestSchool school) => Ids(school, await RegisterAsync(school));

    static async Task<Arranged> RiskAssessed(TestSchool school)
    {
        var a = await Registered(school);
        await Send(school, Role.Slt, $"/official-accounts/{a["account"]}/risk-assessments", """{"reference":"RA-01","assessedOn":"2026-10-01"}""");
        return a;
    }

    public static async Task<Arranged> Approved(TestSchool school)
    {
        var a = await RiskAssessed(school);
        await Send(school, Role.Headteacher, $"/official-accounts/{a["account"]}/approval", """{"conditions":"A second colleague reads posts"}""");
        return a;
    }

    static async Task<Arranged> Notified(TestSchool school)
    {
        var a = await Approved(school);
        await Send(school, Role.Office, $"/official-accounts/{a["account"]}/url-notification",
            $$"""{"notifiedTo":["{{a["slt"]}}"],"notifiedOn":"2026-10-02"}""");
        return a;
    }

    static async Task<Arranged> Suspended(TestSchool school)
    {
        var a = await Registered(school);
        await Send(school, Role.Slt, $"/official-accounts/{a["account"]}/suspension", """{"reason":"under-review","suspendedOn":"2026-10-03"}""");
        return a;
    }

    /// <summary>Registered, with the credentials lodged with the SLT member.</summary>
    public static async Task<Arranged> Lodged(TestSchool school)
    {
        var a = await Registered(school);
        await Send(school, Role.Headteacher, $"/official-accounts/{a["account"]}/custodians",
            $$"""{"custodianId":"{{a["slt"]}}","vaultReference":"KeePass: Comms/YouTube"}""");
        return a;
    }

    static string Account(Arranged a, string rest = "") => $"/api/schools/{a.School.Urn}/official-accounts/{a["account"]}{rest}";

    static IReadOnlyList<UseCase> IUseCaseCatalog.Catalog => Cases;

    public static readonly UseCase[] Cases =
    [
        new("register an official account", Role.Office, Role.Teacher, Nothing,
            a => $"/api/schools/{a.School.Urn}/official-accounts",
            a => RegisterBody(a.School),
            [("missing platform", """{"handle":"@x","url":"https://x.com/x","purpose":"p","intendedOutcomes":"o","ownerId":"0190a0b0-0000-7000-8000-000000000001","registrationEmail":"a@test.sch.uk"}"""),
             ("unknown platform", """{"platform":"myspace","handle":"@x","url":"https://x.com/x","purpose":"p","intendedOutcomes":"o","ownerId":"0190a0b0-0000-7000-8000-000000000001","registrationEmail":"a@test.sch.uk"}"""),
             ("owner not at the school", """{"platform":"x","handle":"@xTST","url":"https://x.com/x","purpose":"p","intendedOutcomes":"o","ownerId":"0190a0b0-0000-7000-8000-000000000001","registrationEmail":"a@test.sch.uk"}"""),
             ("url not a web address", """{"platform":"x","handle":"@xTST","url":"ftp:/nope","purpose":"p","intendedOutcomes":"o","ownerId":"0190a0b0-0000-7000-8000-000000000001","registrationEmail":"a@test.sch.uk"}"""),
             ("email not an address", """{"platform":"x","handle":"@xTST","url":"https://x.com/x","purpose":"p","intendedOutcomes":"o","ownerId":"0190a0b0-0000-7000-8000-000000000001","registrationEmail":"office at school"}"""),
             ("handle with spaces", """{"platform":"x","handle":"my handle","url":"https://x.com/x","purpose":"p","intendedOutcomes":"o","ownerId":"0190a0b0-0000-7000-8000-000000000001","registrationEmail":"a@test.sch.uk"}""")],
            HttpStatusCode.Created),
        new("record a risk assessment", Role.Slt, Role.Office, Registered,
            a => Account(a, "/risk-assessments"),
            _ => """{"reference":"RA-2026-04","assessedOn":"2026-10-01"}""",
            [("missing reference", """{"assessedOn":"2026-10-01"}"""), ("future date", """{"reference":"RA","assessedOn":"2099-01-01"}""")]),
        new("approve an account", Role.Headteacher, Role.Slt, RiskAssessed,
            a => Account(a, "/approval"),
            _ => """{"conditions":"Posts are read by a second colleague"}""",
            [("conditions too long", $$"""{"conditions":"{{new string('c', 1001)}}"}"""), ("conditions not text", """{"conditions":42}""")]),
        new("notify the URL to SLT", Role.Office, Role.Teacher, Registered,
            a => Account(a, "/url-notification"),
            a => $$"""{"notifiedTo":["{{a["slt"]}}","{{a["teacher"]}}"],"notifiedOn":"2026-10-02"}""",
            [("nobody", """{"notifiedTo":[],"notifiedOn":"2026-10-02"}"""),
             ("someone not at the school", """{"notifiedTo":["0190a0b0-0000-7000-8000-000000000001"],"notifiedOn":"2026-10-02"}"""),
             ("missing date", """{"notifiedTo":["0190a0b0-0000-7000-8000-000000000001"]}""")]),
        new("grant pupil access", Role.Slt, Role.Office, Notified,
            a => Account(a, "/pupil-access"),
            // On or after the approval, which is recorded today.
            _ => $$"""{"grantedOn":"{{DateTime.UtcNow:yyyy-MM-dd}}"}""",
            [("missing date", "{}"), ("future date", """{"grantedOn":"2099-01-01"}""")]),
        new("change the owner", Role.Slt, Role.Office, Registered,
            a => Account(a, "/owner"),
            a => $$"""{"ownerId":"{{a["slt"]}}","effectiveOn":"2026-10-04"}""",
            [("missing owner", """{"effectiveOn":"2026-10-04"}"""),
             ("owner not at the school", """{"ownerId":"0190a0b0-0000-7000-8000-000000000001","effectiveOn":"2026-10-04"}""")],
            Method: HttpMethod.Put),
        new("suspend an account", Role.Headteacher, Role.Teacher, Registered,
            a => Account(a, "/suspension"),
            _ => """{"reason":"suspected-compromise","note":"Odd posts overnight","suspendedOn":"2026-10-03"}""",
            [("unknown reason", """{"reason":"boredom","suspendedOn":"2026-10-03"}"""), ("missing date", """{"reason":"misuse"}""")]),
        new("reinstate an account", Role.Slt, Role.Dsl, Suspended,
            a => Account(a, "/reinstatement"),
            _ => """{"reinstatedOn":"2026-10-06"}""",
            [("missing date", "{}"), ("not a date", """{"reinstatedOn":"next Tuesday"}""")]),
        new("decommission an account", Role.Headteacher, Role.Office, Registered,
            a => Account(a, "/decommissioning"),
            _ => """{"decommissionedOn":"2026-10-07"}""",
            [("missing date", "{}"), ("future date", """{"decommissionedOn":"2099-01-01"}""")]),
        new("record an AUP link check", Role.Office, Role.Volunteer, Registered,
            a => Account(a, "/aup-link-checks"),
            _ => """{"checkedOn":"2026-10-02","linksToAup":true,"aupUrl":"https://test.sch.uk/aup"}""",
            [("missing outcome", """{"checkedOn":"2026-10-02"}"""), ("aup url not an address", """{"checkedOn":"2026-10-02","linksToAup":true,"aupUrl":"aup.pdf"}""")]),
        new("record first use", Role.Slt, Role.Office, Approved,
            a => Account(a, "/first-use"),
            _ => """{"firstUsedOn":"2026-10-08"}""",
            [("missing date", "{}"), ("future date", """{"firstUsedOn":"2099-01-01"}""")]),
        new("lodge credentials with a custodian", Role.Dsl, Role.Office, Registered,
            a => Account(a, "/custodians"),
            a => $$"""{"custodianId":"{{a["head"]}}","vaultReference":"KeePass: Comms/YouTube"}""",
            [("custodian not at the school", $$"""{"custodianId":"{{NoOne}}","vaultReference":"KeePass: Comms/YouTube"}"""),
             ("missing vault reference", """{"custodianId":"0190a0b0-0000-7000-8000-000000000001"}"""),
             ("vault reference too long", $$"""{"custodianId":"0190a0b0-0000-7000-8000-000000000001","vaultReference":"{{new string('v', 201)}}"}""")],
            HttpStatusCode.Created),
        new("rotate credentials", Role.Headteacher, Role.Teacher, Lodged,
            a => Account(a, "/rotations"),
            _ => """{"reason":"scheduled","rotatedOn":"2026-10-09","vaultReference":"KeePass: Comms/YouTube (2026)"}""",
            [("unknown reason", """{"reason":"whim","rotatedOn":"2026-10-09"}"""), ("missing date", """{"reason":"scheduled"}"""),
             ("future date", """{"reason":"scheduled","rotatedOn":"2099-10-09"}""")]),
        new("record break-glass access", Role.Slt, Role.Office, Lodged,
            a => Account(a, "/break-glass-accesses"),
            _ => """{"reason":"Owner off sick; removing an abusive comment"}""",
            [("missing reason", "{}"), ("reason too long", $$"""{"reason":"{{new string('r', 2001)}}"}""")]),
        new("remove a custodian", Role.Headteacher, Role.Office, Lodged,
            a => Account(a, $"/custodians/{a["slt"]}/removal"),
            _ => """{"reason":"reassigned"}""",
            [("unknown reason", """{"reason":"fired-into-the-sun"}"""), ("missing reason", "{}")]),
        new("report credential sharing", Role.Dsl, Role.Teacher, Registered,
            a => $"/api/schools/{a.School.Urn}/credential-sharing-reports",
            a => $$"""
                {"reportedBy":"{{a["slt"]}}","accountId":"{{a["account"]}}","sharedBy":"{{a["teacher"]}}","what":"official-account-login",
                 "channel":"messaging-app","occurredOn":"2026-10-10","notes":"Login posted in a staff group chat"}
                """,
            [("official login without the account", """{"reportedBy":"0190a0b0-0000-7000-8000-000000000001","what":"official-account-login","channel":"email","occurredOn":"2026-10-10"}"""),
             ("unknown channel", """{"reportedBy":"0190a0b0-0000-7000-8000-000000000001","what":"staff-login","channel":"carrier-pigeon","occurredOn":"2026-10-10"}"""),
             ("reporter not at the school", """{"reportedBy":"0190a0b0-0000-7000-8000-000000000001","what":"staff-login","channel":"email","occurredOn":"2026-10-10"}""")],
            HttpStatusCode.Created),
    ];

    /// <summary>A person id no school has, for bodies that must be refused whoever is asked.</summary>
    const string NoOne = "0190a0b0-0000-7000-8000-000000000002";

    [Fact]
    public async Task The_owner_cannot_approve_their_own_account_and_the_chair_approves_the_heads()
    {
        var arranged = await UseCase.FreshSchoolAsync(App, Nothing);
        var school = arranged.School;
        var headOwned = (await Send(school, Role.Slt, "/official-accounts", RegisterBody(school, handle: "@HeadsTST").Replace(arranged["teacher"], arranged["head"], StringComparison.Ordinal)))
            .GetProperty("streamId").GetString()!["account-".Length..];
        await Send(school, Role.Slt, $"/official-accounts/{headOwned}/risk-assessments", """{"reference":"RA-02","assessedOn":"2026-10-01"}""");

        var head = await school.As(Role.Headteacher);
        var own = await head.PostAsJsonAsync($"/api/schools/{school.Urn}/official-accounts/{headOwned}/approval", new { });
        await UseCase.AssertProblem(own, HttpStatusCode.Forbidden, "the head approving their own account");

        var teacherOwned = await RiskAssessed(school);
        var chair = await school.As(Role.ChairOfGovernors);
        var notTheirs = await chair.PostAsJsonAsync($"/api/schools/{school.Urn}/official-accounts/{teacherOwned["account"]}/approval", new { });
        await UseCase.AssertProblem(notTheirs, HttpStatusCode.Forbidden, "the chair approving a teacher's account");

        var approved = await chair.PostAsJsonAsync($"/api/schools/{school.Urn}/official-accounts/{headOwned}/approval", new { });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var view = (await UseCaseChecks.GetJson(head, $"/api/schools/{school.Urn}/official-accounts/{headOwned}")).GetProperty("item");
        Assert.Equal("chair-of-governors", view.GetProperty("approvedAs").GetString());
    }

    [Fact]
    public async Task Going_live_or_giving_pupils_access_before_approval_is_refused()
    {
        var arranged = await UseCase.FreshSchoolAsync(App, Registered);
        var slt = await arranged.School.As(Role.Slt);

        var live = await slt.PostAsJsonAsync(Account(arranged, "/first-use"), new { firstUsedOn = "2026-10-01" });
        await UseCase.AssertProblem(live, HttpStatusCode.Conflict, "first use before approval");
        var pupils = await slt.PostAsJsonAsync(Account(arranged, "/pupil-access"), new { grantedOn = "2026-10-01" });
        await UseCase.AssertProblem(pupils, HttpStatusCode.Conflict, "pupil access before approval");
    }

    [Fact]
    public async Task Only_the_custodian_records_their_own_break_glass_access()
    {
        var arranged = await UseCase.FreshSchoolAsync(App, Lodged);
        var head = await arranged.School.As(Role.Headteacher);
        var response = await head.PostAsJsonAsync(Account(arranged, "/break-glass-accesses"), new { reason = "Checking messages" });
        await UseCase.AssertProblem(response, HttpStatusCode.Forbidden, "a leader who is not a custodian");
    }

    [Fact]
    public async Task A_personal_email_and_an_untagged_handle_are_recorded_and_flagged_on_the_register()
    {
        var arranged = await UseCase.FreshSchoolAsync(App, Nothing);
        var school = arranged.School;
        var account = await RegisterAsync(school, handle: "@MrSmithScience", email: "mr.smith.science@gmail.com");

        var view = (await UseCaseChecks.GetJson(await school.As(Role.Governor), $"/api/schools/{school.Urn}/official-accounts/{account}")).GetProperty("item");
        Assert.Equal("mr.smith.science@gmail.com", view.GetProperty("registrationEmail").GetString());
        Assert.Equal($"Teacher of {school.Urn}", view.GetProperty("owner").GetProperty("name").GetString());
        Assert.Equal("awaiting-approval", view.GetProperty("state").GetString());
        var flags = view.GetProperty("flags").EnumerateArray().ToDictionary(f => f.GetProperty("rule").GetString()!, f => f.GetProperty("status").GetString());
        Assert.Equal("attention", flags["account-school-email"]);
        Assert.Equal("attention", flags["account-handle-tag"]);

        var events = await UseCaseChecks.GetJson(await school.As(Role.Headteacher), $"/api/schools/{school.Urn}/streams/account-{account}");
        var registered = events.GetProperty("events")[0].GetProperty("data");
        Assert.Equal(["personal-email", "handle-without-tag"], registered.GetProperty("concerns").EnumerateArray().Select(c => c.GetString()));
        Assert.DoesNotContain("mr.smith.science", registered.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_register_lists_accounts_with_owner_custodians_and_last_rotation()
    {
        var arranged = await UseCase.FreshSchoolAsync(App, Lodged);
        var school = arranged.School;
        await Send(school, Role.Headteacher, $"/official-accounts/{arranged["account"]}/rotations", """{"reason":"scheduled","rotatedOn":"2026-10-09"}""");

        var office = await school.As(Role.Office);
        var register = (await UseCaseChecks.GetJson(office, $"/api/schools/{school.Urn}/official-accounts")).GetProperty("items");
        var account = Assert.Single(register.EnumerateArray());
        Assert.Equal(arranged["account"], account.GetProperty("accountId").GetString());
        var custodian = Assert.Single(account.GetProperty("custodians").EnumerateArray());
        Assert.Equal($"Slt of {school.Urn}", custodian.GetProperty("name").GetString());
        Assert.Equal("KeePass: Comms/YouTube", custodian.GetProperty("vaultReference").GetString());
        Assert.True(custodian.GetProperty("currentLeadership").GetBoolean());
        Assert.Equal("2026-10-09", account.GetProperty("lastRotation").GetProperty("rotatedOn").GetString());

        var one = await office.GetAsync($"/api/schools/{school.Urn}/official-accounts/{arranged["account"]}");
        Assert.Equal("\"1\"", one.Headers.ETag?.Tag);
        var teacher = await school.As(Role.Teacher);
        await UseCase.AssertProblem(await teacher.GetAsync($"/api/schools/{school.Urn}/official-accounts"), HttpStatusCode.Forbidden, "a teacher reading the register");
        await UseCase.AssertProblem(await office.GetAsync($"/api/schools/{school.Urn}/official-accounts/{Guid.CreateVersion7()}"), HttpStatusCode.NotFound, "an unknown account");
    }
}
