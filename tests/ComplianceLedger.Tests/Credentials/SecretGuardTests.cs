using System.Net;
using System.Text;
using System.Text.Json;
using ComplianceLedger.Api.Credentials;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Npgsql;

namespace ComplianceLedger.Tests.Credentials;

/// <summary>
/// No endpoint takes a secret: a body carrying one is refused before binding, says so, and
/// leaves no trace of the secret in the response, the ledger or the logs.
/// </summary>
public sealed class SecretGuardTests(LoggedLedgerApp app) : IClassFixture<LoggedLedgerApp>
{
    /// <summary>(endpoint path after the school, body with SECRET where the secret goes, why).</summary>
    public static TheoryData<string, string, string> SecretBodies => new()
    {
        { "lodging credentials with a password", "/official-accounts/{account}/custodians",
            """{"custodianId":"{head}","vaultReference":"KeePass: Comms/YouTube","password":"SECRET"}""" },
        { "a nested login token", "/official-accounts",
            """{"platform":"x","handle":"@aTST","login":{"Token":"SECRET"},"url":"https://x.com/a","purpose":"p","intendedOutcomes":"o","ownerId":"{head}","registrationEmail":"a@test.sch.uk"}""" },
        { "a PIN", "/official-accounts/{account}/break-glass-accesses", """{"reason":"Owner off sick","pin":"SECRET"}""" },
        { "an API key in an array", "/official-accounts/{account}/rotations",
            """{"reason":"scheduled","rotatedOn":"2026-10-09","extra":[{"X-Api-Key":"SECRET"}]}""" },
        { "a password written into free text", "/official-accounts/{account}/suspension",
            """{"reason":"misuse","note":"Shared in the staffroom. Password: SECRET","suspendedOn":"2026-10-03"}""" },
        { "a six-digit access code", "/credential-sharing-reports",
            """{"reportedBy":"{head}","what":"staff-login","channel":"email","occurredOn":"2026-10-10","accessCode":"SECRET"}""" },
        { "enrolling a person with a password", "/people", """{"name":"New Starter","roles":["teacher"],"startedOn":"2026-09-01","Password":"SECRET"}""" },
        { "a passcode in malformed JSON", "/people", """{"name":"New Starter","passcode":"SECRET" """ },
        { "a raw event carrying a client secret", "/streams/person-x/events",
            """{"streamType":"person","events":[{"type":"person.left.v1","data":{"personId":"{head}","leftOn":"2026-10-01","clientSecret":"SECRET"}}]}""" },
    };

    [Theory, MemberData(nameof(SecretBodies))]
    public async Task A_body_carrying_a_secret_is_refused_and_the_secret_is_stored_and_logged_nowhere(string why, string path, string body)
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Lodged);
        var school = arranged.School;
        // Digits only where the field expects a code, so the value check is what catches it.
        var secret = why.Contains("code", StringComparison.Ordinal) || why.Contains("PIN", StringComparison.Ordinal)
            ? Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : $"Hunter{Guid.NewGuid():N}";
        var before = await app.CountEventsAsync(school.Urn);
        var resolved = body.Replace("SECRET", secret, StringComparison.Ordinal).Replace("{head}", arranged["head"], StringComparison.Ordinal);
        var url = $"/api/schools/{school.Urn}{path.Replace("{account}", arranged["account"], StringComparison.Ordinal)}";

        var response = await (await school.As(Role.Headteacher)).PostAsync(url, new StringContent(resolved, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        await UseCase.AssertProblem(response, HttpStatusCode.BadRequest, why);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(SecretGuard.Title, problem.GetProperty("title").GetString());
        Assert.Contains("A secret was refused", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("Nothing was stored", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
        Assert.Equal(0, await OccurrencesInLedgerAsync(secret));
        Assert.Contains(app.Logs.Lines, l => l.Contains("was refused", StringComparison.Ordinal));
        Assert.DoesNotContain(secret, app.Logs.All, StringComparison.Ordinal);
    }

    /// <summary>The issue's reproductions: (endpoint after the school, body, the member the refusal names). Each was a 201 before.</summary>
    public static TheoryData<string, string, string> Reproductions => new()
    {
        { "/official-accounts/{account}/custodians", """{"custodianId":"{slt}","vaultReference":"The password is Hunter2"}""", "vaultReference" },
        { "/exceptions", """{"kind":"staff-blog","description":"My password is Hunter2 for the class account"}""", "description" },
        { "/credential-sharing-reports",
            """{"reportedBy":"{slt}","what":"staff-login","channel":"email","occurredOn":"2026-10-10","notes":"login: pe@school, pass: Hunter2"}""", "notes" },
    };

    [Theory, MemberData(nameof(Reproductions))]
    public async Task A_password_in_a_free_text_member_is_refused_naming_the_member_and_is_stored_nowhere(string path, string body, string member)
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var school = arranged.School;
        var before = await app.CountEventsAsync(school.Urn);
        var url = $"/api/schools/{school.Urn}{path.Replace("{account}", arranged["account"], StringComparison.Ordinal)}";

        var response = await (await school.As(Role.Headteacher)).PostAsync(url,
            new StringContent(body.Replace("{slt}", arranged["slt"], StringComparison.Ordinal), Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        await UseCase.AssertProblem(response, HttpStatusCode.BadRequest, path);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(SecretGuard.Title, problem.GetProperty("title").GetString());
        Assert.Equal(member, problem.GetProperty("field").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(member, detail, StringComparison.Ordinal);
        Assert.Contains("lodge it in the school's vault and give its reference", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2", text, StringComparison.Ordinal);
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
        Assert.Equal(0, await OccurrencesInLedgerAsync("Hunter2"));
        Assert.Equal(0, await OccurrencesInReadModelsAsync("Hunter2"));
        Assert.DoesNotContain("Hunter2", app.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_in_a_commands_route_value_is_refused_naming_it()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var school = arranged.School;
        var before = await app.CountEventsAsync(school.Urn);

        var response = await (await school.As(Role.Headteacher)).PostAsync($"/api/schools/{school.Urn}/policies/password%3DHunter2/reviews",
            new StringContent("""{"reviewedOn":"2026-10-01"}""", Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        await UseCase.AssertProblem(response, HttpStatusCode.BadRequest, "a password as a policy id");
        Assert.Equal("policyId", JsonDocument.Parse(text).RootElement.GetProperty("field").GetString());
        Assert.DoesNotContain("Hunter2", text, StringComparison.Ordinal);
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
    }

    [Fact]
    public async Task Routes_outside_the_school_group_are_guarded_too()
    {
        // The development sign-in takes a form; a password in it is refused like any other.
        var response = await app.Client().PostAsync("/dev/sign-in", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["urn"] = "139001", ["password"] = "Hunter2" }));
        await UseCase.AssertProblem(response, HttpStatusCode.BadRequest, "a password posted to sign-in");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(SecretGuard.Title, JsonDocument.Parse(text).RootElement.GetProperty("title").GetString());
        Assert.Equal("password", JsonDocument.Parse(text).RootElement.GetProperty("field").GetString());
        Assert.DoesNotContain("Hunter2", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vault_reference_is_accepted_and_ordinary_words_are_not_mistaken_for_secrets()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var school = arranged.School;
        var response = await (await school.As(Role.Headteacher)).PostAsync($"/api/schools/{school.Urn}/official-accounts/{arranged["account"]}/custodians",
            new StringContent($$"""{"custodianId":"{{arranged["head"]}}","vaultReference":"KeePass: Comms/Pinned posts (1Password backup)"}""",
                Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("password"), InlineData("Password"), InlineData("userPassword"), InlineData("PASSWD"), InlineData("pwd"), InlineData("secret"),
     InlineData("clientSecret"), InlineData("client_secret"), InlineData("Token"), InlineData("accessToken"), InlineData("accesstoken"), InlineData("pin"),
     InlineData("PIN"), InlineData("pin_code"), InlineData("passcode"), InlineData("otp"), InlineData("smsOtp"), InlineData("apiKey"), InlineData("api_key"),
     InlineData("API Key"), InlineData("x-api-key"), InlineData("passphrase")]
    public void Member_names_like_a_secret_are_caught(string name) => Assert.True(SecretGuard.IsSecretName(name));

    [Theory]
    [InlineData("pinned"), InlineData("shipping"), InlineData("opinion"), InlineData("secretary"), InlineData("spinOff"), InlineData("documentSha256"),
     InlineData("vaultReference"), InlineData("handle"), InlineData("purpose"), InlineData("sealedName"), InlineData("tokenised"), InlineData("keePass"),
     InlineData("compass"), InlineData("passport"), InlineData("hotpot")]
    public void Ordinary_member_names_pass(string name) => Assert.False(SecretGuard.IsSecretName(name));

    [Theory]
    [InlineData("""{"note":"pin=4821"}""", SecretGuard.Finding.SecretValue)]
    [InlineData("""{"code":4821}""", SecretGuard.Finding.SecretValue)]
    [InlineData("""{"a":{"b":[{"c":{"Password":"x"}}]}}""", SecretGuard.Finding.SecretMember)]
    [InlineData("""{"reference":"RA-2026-04","assessedOn":"2026-10-01","count":1234}""", SecretGuard.Finding.None)]
    [InlineData("""{"vaultReference":"KeePass: Comms/Facebook"}""", SecretGuard.Finding.None)]
    [InlineData("name=a&password=b", SecretGuard.Finding.SecretValue)]
    public void Bodies_are_inspected_at_any_depth(string body, SecretGuard.Finding expected) =>
        Assert.Equal(expected, SecretGuard.Inspect(Encoding.UTF8.GetBytes(body)).Finding);

    [Fact]
    public void Text_that_is_not_UTF_8_or_too_deep_for_JSON_is_still_inspected()
    {
        byte[] invalid = [.. Encoding.UTF8.GetBytes("{\"note\":\""), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(" password: x\"}")];
        Assert.Equal(SecretGuard.Finding.SecretValue, SecretGuard.Inspect(invalid).Finding);
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "{\"token\":1}" + new string('}', 200);
        Assert.Equal(SecretGuard.Finding.SecretMember, SecretGuard.Inspect(Encoding.UTF8.GetBytes(deep)).Finding);
    }

    [Fact]
    public async Task A_body_that_is_not_UTF_8_is_a_bad_request_not_a_server_error()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var school = arranged.School;
        byte[] body = [.. Encoding.UTF8.GetBytes("{\"reference\":\"RA"), 0xFF, .. Encoding.UTF8.GetBytes("\",\"assessedOn\":\"2026-10-01\"}")];
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var response = await (await school.As(Role.Slt)).PostAsync(
            $"/api/schools/{school.Urn}/official-accounts/{arranged["account"]}/risk-assessments", content);
        await UseCase.AssertProblem(response, HttpStatusCode.BadRequest, "invalid UTF-8");
    }

    /// <summary>Rows of every read model that contain the text anywhere.</summary>
    async Task<long> OccurrencesInReadModelsAsync(string secret)
    {
        var tables = new List<string>();
        await using (var list = app.AdminDataSource.CreateCommand("SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'rm' AND table_type = 'BASE TABLE'"))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        Assert.Contains("account_custodians", tables);
        long found = 0;
        foreach (var table in tables)
        {
            await using var command = app.AdminDataSource.CreateCommand($"SELECT count(*) FROM rm.{table} t WHERE strpos(t::text, $1) > 0");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = secret });
            found += (long)(await command.ExecuteScalarAsync())!;
        }
        return found;
    }

    /// <summary>Rows of the ledger (data, metadata and all) that contain the text anywhere.</summary>
    async Task<long> OccurrencesInLedgerAsync(string secret)
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT count(*) FROM ledger.events e WHERE strpos(e::text, $1) > 0");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = secret });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
