using System.Net;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.AspNetCore.Hosting;

namespace ComplianceLedger.Tests.Home;

/// <summary>A newcomer opens the service's address and is led to sign in, then to their to-do.</summary>
public sealed class FrontDoorTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static async Task<IHtmlDocument> PageAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        return new HtmlParser().ParseDocument(text);
    }

    // The test server's own client follows no redirects, so the redirect itself can be read.
    static HttpClient NoRedirects(LedgerApp app) => app.Host.Server.CreateClient();

    [Fact]
    public async Task Someone_signed_out_who_opens_the_address_is_led_to_the_demo_sign_in()
    {
        var browser = app.Client();
        var landing = await browser.GetAsync("/");

        Assert.Equal("/sign-in", landing.RequestMessage!.RequestUri!.AbsolutePath);
        var page = await PageAsync(landing);
        Assert.Equal("Sign in", page.QuerySelector("h1")?.TextContent);
        Assert.Equal("Sign in – ComplianceLedger", page.Title);
        var demo = Assert.IsAssignableFrom<IHtmlAnchorElement>(page.QuerySelector("main a[href='/dev/sign-in']"));
        Assert.Equal("sign in as a demo person without a provider", demo.TextContent);
        // And the local provider's button, which signs in through OpenID Connect.
        Assert.Equal("Sign in as a demo person (local provider)", page.QuerySelector("main a.govuk-button[href^='/sign-in/local']")?.TextContent);
        Assert.NotNull(page.QuerySelector("a.govuk-skip-link[href='#main']"));
        Assert.NotNull(page.QuerySelector("main#main"));
        Assert.Equal("en-GB", page.DocumentElement.GetAttribute("lang"));
    }

    [Fact]
    public async Task A_school_page_asked_for_signed_out_sends_the_reader_to_sign_in_while_the_api_still_answers_401()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        using var client = NoRedirects(app);

        var page = await client.GetAsync($"/schools/{arranged.School.Urn}/to-do");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/sign-in", page.Headers.Location?.OriginalString);

        var api = await client.GetAsync($"/api/schools/{arranged.School.Urn}/me/to-do");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_teacher_signed_in_sees_on_their_home_page_the_same_to_do_as_the_api_gives()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var urn = arranged.School.Urn;
        var teacher = await arranged.School.As(Role.Teacher);

        var home = await teacher.GetAsync("/");
        Assert.Equal($"/schools/{urn}/to-do", home.RequestMessage!.RequestUri!.AbsolutePath);
        var page = await PageAsync(home);
        Assert.Equal("Your to-do", page.QuerySelector("h1")?.TextContent);

        var api = JsonDocument.Parse(await teacher.GetStringAsync($"/api/schools/{urn}/me/to-do")).RootElement.GetProperty("items");
        var wanted = api.EnumerateArray().Select(i => i.GetProperty("what").GetString()!).ToArray();
        Assert.Contains("Acknowledge Social Media Policy version 1", wanted);
        var shown = page.QuerySelectorAll("table.app-to-do tbody tr").Select(tr => tr.QuerySelector("td")!.TextContent).ToArray();
        Assert.Equal(wanted, shown);
        Assert.Contains(page.QuerySelectorAll("table.app-to-do .govuk-tag").Select(t => t.TextContent), t => t is "Due" or "Overdue");
        Assert.NotNull(page.QuerySelector("form[method='post'][action='/sign-out'] button"));
    }

    [Fact]
    public async Task Another_schools_page_does_not_exist_for_a_member_of_this_one()
    {
        var mine = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var theirs = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var teacher = await mine.School.As(Role.Teacher);

        var response = await teacher.GetAsync($"/schools/{theirs.School.Urn}/to-do");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("Social Media Policy", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_out_from_the_page_ends_the_session_and_says_so()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var teacher = await arranged.School.As(Role.Teacher);

        var signedOut = await teacher.SubmitAsync(await teacher.GetPageAsync("/"), "form[action='/sign-out']");

        Assert.Equal("/signed-out", signedOut.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("You have signed out", (await HtmlPages.ParseAsync(signedOut)).QuerySelector("h1")?.TextContent);
        Assert.Equal("/sign-in", (await teacher.GetAsync("/")).RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(HttpStatusCode.Unauthorized, (await teacher.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Every_page_forbids_inline_script_and_style_and_carries_none()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        await app.ProjectionsCaughtUpAsync();
        var teacher = await arranged.School.As(Role.Teacher);

        foreach (var path in new[] { "/sign-in", "/dev/sign-in", $"/schools/{arranged.School.Urn}/to-do" })
        {
            var response = await teacher.GetAsync(path);
            var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
            Assert.Contains("style-src 'self'", policy, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            var page = await PageAsync(response);
            // What the policy would block must not be there to block.
            Assert.Empty(page.QuerySelectorAll("script:not([src]), style, [style]"));
            Assert.Single(page.QuerySelectorAll("h1"));
        }
    }

    [Fact]
    public async Task The_demo_sign_in_lists_each_school_with_its_people_and_a_named_button_each()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var page = await PageAsync(await app.Client().GetAsync("/dev/sign-in"));

        var heading = Assert.Single(page.QuerySelectorAll("h2"), h => h.TextContent.Contains($"(URN {arranged.School.Urn})", StringComparison.Ordinal));
        var table = heading.NextElementSibling!;
        var rows = table.QuerySelectorAll("tbody tr").ToArray();
        Assert.Equal(arranged.School.People.Count, rows.Length);
        var head = Assert.Single(rows, r => r.QuerySelector("td")!.TextContent == $"Headteacher of {arranged.School.Urn}");
        Assert.Equal($"Sign in as Headteacher of {arranged.School.Urn}", head.QuerySelector("button")!.GetAttribute("aria-label"));
        Assert.Equal(arranged.School.People[Role.Headteacher].ToString(), head.QuerySelector("input[name='personId']")!.GetAttribute("value"));
    }

    [Fact]
    public async Task Outside_development_the_sign_in_page_offers_no_demo_people()
    {
        await using var production = app.StartAnotherInstance(web =>
        {
            web.UseEnvironment("Production");
            web.UseSetting("SignIn:Local:Enabled", "false");
        });
        var response = await production.Server.CreateClient().GetAsync("/sign-in");

        var page = await PageAsync(response);
        Assert.Null(page.QuerySelector("a[href='/dev/sign-in']"));
        Assert.Contains("not set up", page.QuerySelector("main")!.TextContent, StringComparison.Ordinal);
    }
}
