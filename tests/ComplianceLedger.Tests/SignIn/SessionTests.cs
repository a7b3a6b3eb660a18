using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.SignIn;

/// <summary>
/// A session is checked on every request: signing out ends it (even for a copy of the cookie),
/// and a person whose leaving date has come is out, with every session of theirs ended.
/// </summary>
public sealed class SessionTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static int next = 830000;

    async Task<TestSchool> SchoolAsync() =>
        await app.SchoolAsync(Interlocked.Increment(ref next).ToString(System.Globalization.CultureInfo.InvariantCulture), Role.Headteacher, Role.Teacher);

    /// <summary>A browser of our own: it keeps nothing and follows no redirect, so the test holds the cookie and can replay it.</summary>
    HttpClient Browser() => new(app.Host.Server.CreateHandler()) { BaseAddress = app.Host.Server.BaseAddress };

    async Task<string> SignInAsync(string urn, Guid personId)
    {
        using var browser = Browser();
        var response = await browser.PostAsync("/dev/sign-in", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["urn"] = urn, ["personId"] = personId.ToString() }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ledger=", StringComparison.Ordinal));
        return cookie[..cookie.IndexOf(';', StringComparison.Ordinal)];
    }

    async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string cookie)
    {
        using var browser = Browser();
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", cookie);
        return await browser.SendAsync(request);
    }

    static string MyExceptions(TestSchool school) => $"/api/schools/{school.Urn}/me/exceptions";

    static async Task AssertUnauthorized(HttpResponseMessage response, string words)
    {
        await UseCase.AssertProblem(response, HttpStatusCode.Unauthorized, words);
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
        Assert.Contains(words, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cookie_replayed_after_sign_out_gets_401_on_me_and_on_a_school_read()
    {
        var school = await SchoolAsync();
        var cookie = await SignInAsync(school.Urn, school.People[Role.Teacher]);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/me", cookie)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, MyExceptions(school), cookie)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Post, "/sign-out", cookie)).StatusCode);

        await AssertUnauthorized(await SendAsync(HttpMethod.Get, "/api/me", cookie), "session has ended");
        await AssertUnauthorized(await SendAsync(HttpMethod.Get, MyExceptions(school), cookie), "session has ended");
    }

    [Fact]
    public async Task Signing_out_in_one_browser_leaves_another_session_of_the_same_person_working()
    {
        var school = await SchoolAsync();
        var laptop = await SignInAsync(school.Urn, school.People[Role.Teacher]);
        var phone = await SignInAsync(school.Urn, school.People[Role.Teacher]);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Post, "/sign-out", laptop)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/api/me", laptop)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/me", phone)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, MyExceptions(school), phone)).StatusCode);
    }

    [Fact]
    public async Task A_person_recorded_as_leaving_today_gets_401_with_their_still_valid_cookie_and_their_sessions_end()
    {
        var school = await SchoolAsync();
        var teacher = school.People[Role.Teacher];
        var cookie = await SignInAsync(school.Urn, teacher);
        var other = await SignInAsync(school.Urn, teacher);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/me", cookie)).StatusCode);

        await RecordLeavingAsync(school, teacher, SchoolDay.Today(TimeProvider.System));

        await AssertUnauthorized(await SendAsync(HttpMethod.Get, "/api/me", cookie), "you have left this school");
        Assert.Equal(0L, await SessionsOfAsync(school.Urn, teacher));
        await AssertUnauthorized(await SendAsync(HttpMethod.Get, MyExceptions(school), other), "session has ended");
    }

    [Fact]
    public async Task A_person_recorded_as_left_is_sent_to_sign_in_on_their_next_page_and_their_sessions_end()
    {
        var school = await SchoolAsync();
        var teacher = school.People[Role.Teacher];
        var cookie = await SignInAsync(school.Urn, teacher);
        var toDo = $"/schools/{school.Urn}/to-do";
        await app.ProjectionsCaughtUpAsync();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, toDo, cookie)).StatusCode);

        await RecordLeavingAsync(school, teacher, SchoolDay.Today(TimeProvider.System));

        var next = await SendAsync(HttpMethod.Get, toDo, cookie);
        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode);
        Assert.StartsWith("/sign-in", next.Headers.Location?.OriginalString, StringComparison.Ordinal);
        // The browser is told to drop the cookie, and a copy kept elsewhere opens nothing either.
        Assert.Contains(next.Headers.GetValues("Set-Cookie"), c => c.StartsWith("ledger=;", StringComparison.Ordinal));
        Assert.Equal(0L, await SessionsOfAsync(school.Urn, teacher));
        Assert.Equal(HttpStatusCode.Redirect, (await SendAsync(HttpMethod.Get, toDo, cookie)).StatusCode);
        await AssertUnauthorized(await SendAsync(HttpMethod.Get, "/api/me", cookie), "session has ended");
    }

    [Fact]
    public async Task A_leaver_whose_date_has_passed_is_refused_on_a_school_read_too()
    {
        var school = await SchoolAsync();
        var teacher = school.People[Role.Teacher];
        var cookie = await SignInAsync(school.Urn, teacher);

        await RecordLeavingAsync(school, teacher, SchoolDay.Today(TimeProvider.System).AddDays(-3));

        await AssertUnauthorized(await SendAsync(HttpMethod.Get, MyExceptions(school), cookie), "you have left this school");
    }

    [Fact]
    public async Task A_leaver_with_a_future_leaving_date_still_works_until_then()
    {
        var school = await SchoolAsync();
        var teacher = school.People[Role.Teacher];
        var cookie = await SignInAsync(school.Urn, teacher);

        await RecordLeavingAsync(school, teacher, SchoolDay.Today(TimeProvider.System).AddDays(1));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/me", cookie)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, MyExceptions(school), cookie)).StatusCode);
        Assert.Equal(1L, await SessionsOfAsync(school.Urn, teacher));
    }

    [Fact]
    public async Task A_cookie_without_a_session_is_refused()
    {
        // A cookie minted before sessions existed (or forged without one) names no session.
        var school = await SchoolAsync();
        var cookie = await SignInAsync(school.Urn, school.People[Role.Teacher]);
        await using (var command = app.AdminDataSource.CreateCommand("DELETE FROM ledger.sessions WHERE tenant = $1"))
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = school.Urn });
            await command.ExecuteNonQueryAsync();
        }
        await AssertUnauthorized(await SendAsync(HttpMethod.Get, "/api/me", cookie), "session has ended");
    }

    static async Task RecordLeavingAsync(TestSchool school, Guid personId, DateOnly leftOn)
    {
        var head = await school.As(Role.Headteacher);
        var response = await head.PostAsJsonAsync($"/api/schools/{school.Urn}/people/{personId}/leaving", new { leftOn = leftOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    async Task<long> SessionsOfAsync(string urn, Guid personId)
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT count(*) FROM ledger.sessions WHERE tenant = $1 AND person_id = $2");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new Npgsql.NpgsqlParameter<Guid> { TypedValue = personId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
