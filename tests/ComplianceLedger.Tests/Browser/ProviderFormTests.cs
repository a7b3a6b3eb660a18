using System.Net;
using System.Text.RegularExpressions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Playwright;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace ComplianceLedger.Tests.Browser;

/// <summary>
/// The local OpenID provider's choice of person is a form another site cannot post: Chromium,
/// holding a genuine authorization request, submits the same choice from a page of another origin,
/// and the provider refuses it with a page, signing no one in.
/// </summary>
[Collection("browser")]
public sealed class ProviderFormTests(Chromium chromium, BrowserApp app)
{
    const string Elsewhere = "http://elsewhere.test/";

    async Task<long> SessionsOfAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT count(*) FROM ledger.sessions WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_choice_posted_from_another_site_signs_no_one_in()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        // Arranging the school signed people in through the API; those sessions are not this test's.
        var sessions = await SessionsOfAsync(school.Urn);
        var events = await app.CountEventsAsync(school.Urn);
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync("/sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = SignIn.LocalProviderButton, Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/local-idp/authorize\\?"));
        var chosen = page.Locator("form").Filter(new() { Has = page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {SignIn.PersonName(school, Role.Headteacher)}", Exact = true }) });
        var action = new Uri(app.Address, await chosen.GetAttributeAsync("action")).AbsoluteUri;
        // What another site can know: the request's parameters and the person, not this browser's token.
        var fields = await chosen.Locator("input[type=hidden]").EvaluateAllAsync<string[][]>("es => es.map(e => [e.name, e.value])");
        Assert.Contains(fields, f => f[0] == "__RequestVerificationToken");
        var inputs = string.Concat(fields.Where(f => f[0] != "__RequestVerificationToken")
            .Select(f => $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(f[0])}\" value=\"{WebUtility.HtmlEncode(f[1])}\">"));
        await page.RouteAsync(Elsewhere, route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = $"<!DOCTYPE html><html lang=\"en\"><title>Elsewhere</title><form method=\"post\" action=\"{action}\">{inputs}<button>Win a prize</button></form></html>",
        }));

        await page.GotoAsync(Elsewhere);
        await page.GetByRole(AriaRole.Button, new() { Name = "Win a prize" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/local-idp/authorize$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This form has expired", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("No one was signed in");
        await PageCheck.CheckAsync(page, "newcomer", "provider-form-refused");
        Assert.Equal(sessions, await SessionsOfAsync(school.Urn));
        Assert.Equal(events, await app.CountEventsAsync(school.Urn));
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(SignIn.EndsWith("/sign-in"));
    }
}
