using System.Net;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.SignIn;

/// <summary>
/// The session cookie's flags as a real deployment sets them (the fixtures turn Secure off, as
/// test-only configuration allows), and the sign-in rate limit.
/// </summary>
public sealed class SignInDefencesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static int next = 835000;

    async Task<TestSchool> SchoolAsync() =>
        await app.SchoolAsync(Interlocked.Increment(ref next).ToString(System.Globalization.CultureInfo.InvariantCulture), Role.Teacher);

    static FormUrlEncodedContent Form(TestSchool school) =>
        new(new Dictionary<string, string> { ["urn"] = school.Urn, ["personId"] = school.People[Role.Teacher].ToString() });

    [Fact]
    public async Task By_default_the_session_cookie_is_secure_http_only_and_same_site_lax()
    {
        var school = await SchoolAsync();
        await using var host = app.StartAnotherInstance(web => web.UseSetting("SignIn:Cookies:Secure", "true"));
        using var browser = new HttpClient(host.Server.CreateHandler()) { BaseAddress = host.Server.BaseAddress };
        var response = await browser.PostAsync("/dev/sign-in", Form(school));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ledger=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("; secure", cookie, StringComparison.Ordinal);
        Assert.Contains("; httponly", cookie, StringComparison.Ordinal);
        Assert.Contains("; samesite=lax", cookie, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_fourth_sign_in_attempt_in_a_minute_is_refused_with_429_and_retry_after_when_the_limit_is_three()
    {
        var school = await SchoolAsync();
        await using var host = app.StartAnotherInstance(web => web.UseSetting("SignIn:RateLimit:PermitPerMinute", "3"));
        using var browser = new HttpClient(host.Server.CreateHandler()) { BaseAddress = host.Server.BaseAddress };
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync("/dev/sign-in", Form(school))).StatusCode);
        }
        var refused = await browser.PostAsync("/dev/sign-in", Form(school));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("60", refused.Headers.GetValues("Retry-After").Single());
        Assert.Contains("Too many sign-in attempts", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Reading pages is not a sign-in attempt.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/sign-in")).StatusCode);
    }
}
