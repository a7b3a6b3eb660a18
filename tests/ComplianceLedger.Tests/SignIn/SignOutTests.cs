using System.Net;
using System.Text;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.SignIn;

/// <summary>
/// Signing out from the pages: the layout's form carries its antiforgery token, and only a post
/// with it ends the session (then the signed-out page says so). A form another site sends, which
/// cannot carry the token, signs nobody out, nor does any browser request from another site; an
/// API client's sign-out (no form) still answers 204.
/// </summary>
public sealed class SignOutTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static int next = 838600;

    async Task<TestSchool> SchoolAsync() =>
        await app.SchoolAsync(Interlocked.Increment(ref next).ToString(System.Globalization.CultureInfo.InvariantCulture), Role.Headteacher, Role.Teacher);

    const string SignOutForm = "form[method='post'][action='/sign-out']";

    static async Task AssertSignedInAsync(HttpClient client) =>
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);

    [Fact]
    public async Task The_layouts_sign_out_ends_the_session_and_shows_the_signed_out_page()
    {
        var school = await SchoolAsync();
        using var teacher = await school.As(Role.Teacher);
        var home = await teacher.GetPageAsync($"/schools/{school.Urn}/to-do");
        Assert.False(string.IsNullOrEmpty(home.QuerySelector($"{SignOutForm} input[type=hidden][name=__RequestVerificationToken]")?.GetAttribute("value")));

        var response = await teacher.SubmitAsync(home, SignOutForm);

        Assert.Equal("/signed-out", response.RequestMessage!.RequestUri!.AbsolutePath);
        var page = await HtmlPages.ParseAsync(response);
        Assert.Equal("You have signed out", page.QuerySelector("h1")!.TextContent);
        Assert.Equal("/sign-in", page.QuerySelector("main a.govuk-link")!.GetAttribute("href"));
        Assert.Null(page.QuerySelector(SignOutForm));
        Assert.Equal(HttpStatusCode.Unauthorized, (await teacher.GetAsync("/api/me")).StatusCode);
        Assert.Equal("/sign-in", (await teacher.GetAsync("/")).RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task The_sign_out_answers_303_to_the_signed_out_page_which_sends_someone_signed_in_home()
    {
        var school = await SchoolAsync();
        var session = await school.SessionCookie(Role.Teacher);
        // A client of our own that follows nothing: the test sees each answer as sent.
        using var raw = new HttpClient(app.Host.Server.CreateHandler()) { BaseAddress = app.Host.Server.BaseAddress };
        using var get = new HttpRequestMessage(HttpMethod.Get, $"/schools/{school.Urn}/to-do");
        get.Headers.Add("Cookie", session);
        using var page = await raw.SendAsync(get);
        var token = (await HtmlPages.ParseAsync(page)).QuerySelector($"{SignOutForm} input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var antiforgery = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ledger.af=", StringComparison.Ordinal)).Split(';')[0];

        using var signedInHome = new HttpRequestMessage(HttpMethod.Get, "/signed-out");
        signedInHome.Headers.Add("Cookie", session);
        using var home = await raw.SendAsync(signedInHome);
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.Equal("/", home.Headers.Location?.OriginalString);

        using var post = new HttpRequestMessage(HttpMethod.Post, "/sign-out")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }),
        };
        post.Headers.Add("Cookie", $"{session}; {antiforgery}");
        using var signedOut = await raw.SendAsync(post);
        Assert.Equal(HttpStatusCode.SeeOther, signedOut.StatusCode);
        Assert.Equal("/signed-out", signedOut.Headers.Location?.OriginalString);
        // The browser is told to drop the session cookie.
        Assert.Contains(signedOut.Headers.GetValues("Set-Cookie"), c => c.StartsWith("ledger=;", StringComparison.Ordinal));
        Assert.Equal("You have signed out", (await raw.GetPageAsync("/signed-out")).QuerySelector("h1")!.TextContent);
    }

    [Fact]
    public async Task A_form_without_the_pages_token_as_another_site_would_send_it_signs_nobody_out()
    {
        var school = await SchoolAsync();
        using var teacher = await school.As(Role.Teacher);

        var bare = await teacher.PostAsync("/sign-out", new FormUrlEncodedContent(new Dictionary<string, string>()));
        var page = await HtmlPages.ParseAsync(bare, HttpStatusCode.BadRequest);
        Assert.Equal("You are still signed in", page.QuerySelector("h1")!.TextContent);
        // The refusal offers the real button, with a token of its own.
        Assert.NotNull(page.QuerySelector($"{SignOutForm} input[name=__RequestVerificationToken]"));
        await AssertSignedInAsync(teacher);

        var forged = await teacher.PostAsync("/sign-out", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = "CfDJ8-forged" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        await AssertSignedInAsync(teacher);

        // Another person's token (a page of theirs) is no token for this session.
        using var head = await school.As(Role.Headteacher);
        var theirs = (await head.GetPageAsync($"/schools/{school.Urn}/to-do")).QuerySelector($"{SignOutForm} input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var borrowed = await teacher.PostAsync("/sign-out", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = theirs }));
        Assert.Equal(HttpStatusCode.BadRequest, borrowed.StatusCode);
        await AssertSignedInAsync(teacher);
        await AssertSignedInAsync(head);

        // The page's own form still works.
        var signedOut = await teacher.SubmitAsync(page, SignOutForm);
        Assert.Equal("/signed-out", signedOut.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(HttpStatusCode.Unauthorized, (await teacher.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_browsers_request_from_another_site_signs_nobody_out_whatever_it_sends()
    {
        var school = await SchoolAsync();
        using var teacher = await school.As(Role.Teacher);
        var home = await teacher.GetPageAsync($"/schools/{school.Urn}/to-do");
        var token = home.QuerySelector($"{SignOutForm} input[name=__RequestVerificationToken]")!.GetAttribute("value")!;

        foreach (var site in new[] { "cross-site", "same-site" })
        {
            // A plain-text form (no form content type, so no token is looked for) and even a form with the right token.
            var plain = new HttpRequestMessage(HttpMethod.Post, "/sign-out") { Content = new StringContent("a=b", Encoding.UTF8, "text/plain") };
            plain.Headers.Add("Sec-Fetch-Site", site);
            var refused = await teacher.SendAsync(plain);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            await AssertSignedInAsync(teacher);

            var withToken = new HttpRequestMessage(HttpMethod.Post, "/sign-out")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }),
            };
            withToken.Headers.Add("Sec-Fetch-Site", site);
            Assert.Equal("You are still signed in", (await HtmlPages.ParseAsync(await teacher.SendAsync(withToken), HttpStatusCode.Forbidden)).QuerySelector("h1")!.TextContent);
            await AssertSignedInAsync(teacher);
        }

        // From the service's own page, the browser says same-origin.
        var own = new HttpRequestMessage(HttpMethod.Post, "/sign-out")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }),
        };
        own.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal("/signed-out", (await teacher.SendAsync(own)).RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(HttpStatusCode.Unauthorized, (await teacher.GetAsync("/api/me")).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    public async Task An_api_clients_sign_out_without_a_form_still_answers_204(string? mediaType)
    {
        var school = await SchoolAsync();
        using var teacher = await school.As(Role.Teacher);

        var response = await teacher.PostAsync("/sign-out", mediaType is null ? null : new StringContent("{}", Encoding.UTF8, mediaType));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await teacher.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Someone_whose_session_has_already_ended_is_taken_to_the_signed_out_page()
    {
        var school = await SchoolAsync();
        using var teacher = await school.As(Role.Teacher);
        var home = await teacher.GetPageAsync($"/schools/{school.Urn}/to-do");
        // Signed out meanwhile (in another tab, say, through the API).
        Assert.Equal(HttpStatusCode.NoContent, (await teacher.PostAsync("/sign-out", null)).StatusCode);

        var response = await teacher.SubmitAsync(home, SignOutForm);

        Assert.Equal("/signed-out", response.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("You have signed out", (await HtmlPages.ParseAsync(response)).QuerySelector("h1")!.TextContent);
    }
}
