using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Dom;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.SignIn;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.SignIn;

/// <summary>
/// One verified email, a current person at two schools (a teacher at one, a governor at another):
/// through the whole OpenID Connect flow against the local provider, the person is asked which
/// school, and only their choice starts a session, for that school alone. An altered, lapsed or
/// foreign choice signs nobody in.
/// </summary>
public sealed class SchoolChoiceTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static int next = 838100;

    static string NextUrn() => Interlocked.Increment(ref next).ToString(System.Globalization.CultureInfo.InvariantCulture);

    sealed record TwoSchools(string First, string Second, Guid AtFirst, Guid AtSecond, string Email);

    async Task<string> SchoolAsync(string name)
    {
        var urn = NextUrn();
        await app.Setup.RegisterAsync(urn, $"{name} {urn}", "trust-t1", "Test Trust", ["test.sch.uk"], "TST", "system:test");
        return urn;
    }

    /// <summary>Sam teaches at Ash Primary and governs Birch Academy, with one address for both.</summary>
    async Task<TwoSchools> SamAtTwoSchoolsAsync()
    {
        var first = await SchoolAsync("Ash Primary");
        var second = await SchoolAsync("Birch Academy");
        var email = $"sam.both.{first}@test.sch.uk";
        var atFirst = await app.Setup.EnrolAsync(first, "Sam Both", [Role.Teacher], new DateOnly(2025, 9, 1), "system:test", email);
        var atSecond = await app.Setup.EnrolAsync(second, "Sam Both", [Role.Governor], new DateOnly(2025, 9, 1), "system:test", email);
        await app.ProjectionsCaughtUpAsync();
        return new(first, second, atFirst, atSecond, email);
    }

    /// <summary>A browser: it follows redirects and keeps cookies, and the test can reach into its cookie jar.</summary>
    HttpClient Browser(out CookieContainer cookies)
    {
        cookies = new CookieContainer();
        return new HttpClient(new RedirectHandler { InnerHandler = new CookieContainerHandler(cookies) { InnerHandler = app.Host.Server.CreateHandler() } })
        {
            BaseAddress = app.Host.Server.BaseAddress,
        };
    }

    /// <summary>Signs in at the local provider as the person at <paramref name="urn"/> (either entry carries the same address) and returns where the flow ends.</summary>
    static async Task<HttpResponseMessage> SignInThroughProviderAsync(HttpClient client, string urn, Guid person, string returnUrl = "/")
    {
        var page = await client.GetPageAsync($"/sign-in/local?returnUrl={Uri.EscapeDataString(returnUrl)}");
        Assert.Equal("Choose a demo person", page.QuerySelector("h1")!.TextContent.Trim());
        var form = page.QuerySelectorAll("form").Single(f => f.QuerySelector("input[name=person]")?.GetAttribute("value") == $"{urn}/{person:D}");
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? ""));
        return await client.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(fields));
    }

    async Task<long> SessionsAtAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT count(*) FROM ledger.sessions WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The choice page the flow ended on, with no session started anywhere yet.</summary>
    async Task<IHtmlDocument> ChoicePageAsync(HttpClient client, TwoSchools sam)
    {
        var landed = await SignInThroughProviderAsync(client, sam.First, sam.AtFirst);
        Assert.Equal(SchoolChoice.Path, landed.RequestMessage!.RequestUri!.AbsolutePath);
        var page = await HtmlPages.ParseAsync(landed);
        Assert.Equal(0, await SessionsAtAsync(sam.First));
        Assert.Equal(0, await SessionsAtAsync(sam.Second));
        return page;
    }

    [Fact]
    public async Task A_person_at_two_schools_chooses_the_second_and_is_signed_in_there_alone()
    {
        var sam = await SamAtTwoSchoolsAsync();
        using var client = Browser(out _);

        var page = await ChoicePageAsync(client, sam);

        Assert.Equal("Which school do you want to sign in to?", page.QuerySelector("legend h1")!.TextContent.Trim());
        Assert.Single(page.QuerySelectorAll("h1"));
        Assert.Contains(sam.Email, page.QuerySelector("#school-hint")!.TextContent, StringComparison.Ordinal);
        var radios = page.QuerySelectorAll("form[action='/sign-in/choose-school'] input[type=radio][name=school]").ToArray();
        Assert.Equal(new[] { sam.First, sam.Second }, radios.Select(r => r.GetAttribute("value")));
        var labels = page.QuerySelectorAll(".govuk-radios__item").Select(i => (
            Label: i.QuerySelector("label")!.TextContent.Trim(), Hint: i.QuerySelector(".govuk-radios__hint")!.TextContent.Trim())).ToArray();
        Assert.Equal(($"Ash Primary {sam.First}", "Your roles there: Teacher"), labels[0]);
        Assert.Equal(($"Birch Academy {sam.Second}", "Your roles there: Governor"), labels[1]);
        Assert.NotNull(page.QuerySelector("form[action='/sign-in/choose-school'] input[name=__RequestVerificationToken]"));
        // Until the choice, nobody is signed in.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);

        var landed = await client.SubmitAsync(page, "form[action='/sign-in/choose-school']", new Dictionary<string, string> { ["school"] = sam.Second });

        // Through / to the governor's home page at the second school.
        Assert.Equal(HttpStatusCode.OK, landed.StatusCode);
        Assert.StartsWith($"/schools/{sam.Second}/", landed.RequestMessage!.RequestUri!.AbsolutePath, StringComparison.Ordinal);
        var me = await client.GetFromJsonAsync<SignInEndpoints.MeView>("/api/me");
        Assert.Equal(sam.Second, me!.Urn);
        Assert.Equal(sam.AtSecond, me.PersonId);
        Assert.Equal("governor", Assert.Single(me.Roles));
        Assert.Equal(0, await SessionsAtAsync(sam.First));
        Assert.Equal(1, await SessionsAtAsync(sam.Second));
        // The first school's pages are not theirs in this session.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/schools/{sam.First}/to-do")).StatusCode);
        // The offer is spent: the page does not offer it again.
        Assert.Equal("Your sign-in has timed out", (await client.GetPageAsync(SchoolChoice.Path, HttpStatusCode.BadRequest)).QuerySelector("h1")!.TextContent);
    }

    [Fact]
    public async Task The_return_address_given_at_the_start_is_where_the_choice_lands()
    {
        var sam = await SamAtTwoSchoolsAsync();
        using var client = Browser(out _);
        var landed = await SignInThroughProviderAsync(client, sam.Second, sam.AtSecond, "/api/me");
        var page = await HtmlPages.ParseAsync(landed);

        var me = await client.SubmitAsync(page, "form[action='/sign-in/choose-school']", new Dictionary<string, string> { ["school"] = sam.First });

        Assert.Equal("/api/me", me.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(sam.AtFirst, (await me.Content.ReadFromJsonAsync<SignInEndpoints.MeView>())!.PersonId);
    }

    [Fact]
    public async Task Choosing_no_school_asks_again_with_the_error_summary_and_signs_nobody_in()
    {
        var sam = await SamAtTwoSchoolsAsync();
        using var client = Browser(out _);
        var page = await ChoicePageAsync(client, sam);

        var again = await HtmlPages.ParseAsync(await client.SubmitAsync(page, "form[action='/sign-in/choose-school']"), HttpStatusCode.BadRequest);

        var link = again.QuerySelector(".govuk-error-summary a")!;
        Assert.Equal("Select the school you want to sign in to", link.TextContent);
        Assert.Equal("#school", link.GetAttribute("href"));
        Assert.NotNull(again.QuerySelector(".govuk-form-group--error input#school[type=radio]"));
        Assert.Contains("Select the school you want to sign in to", again.QuerySelector("#school-error")!.TextContent, StringComparison.Ordinal);
        Assert.StartsWith("Error: ", again.Title, StringComparison.Ordinal);
        Assert.Equal(0, await SessionsAtAsync(sam.First) + await SessionsAtAsync(sam.Second));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);

        // The offer still stands: a choice now signs in.
        var landed = await client.SubmitAsync(again, "form[action='/sign-in/choose-school']", new Dictionary<string, string> { ["school"] = sam.First });
        Assert.StartsWith($"/schools/{sam.First}/", landed.RequestMessage!.RequestUri!.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_school_that_was_not_offered_signs_nobody_in_and_spends_the_offer()
    {
        var sam = await SamAtTwoSchoolsAsync();
        // A third school, where someone else is: editing the radio's value must not reach it.
        var third = await SchoolAsync("Cedar School");
        await app.Setup.EnrolAsync(third, "Someone Else", [Role.Headteacher], new DateOnly(2025, 9, 1), "system:test", $"head.{third}@test.sch.uk");
        await app.ProjectionsCaughtUpAsync();
        using var client = Browser(out _);
        var page = await ChoicePageAsync(client, sam);

        var refused = await HtmlPages.ParseAsync(
            await client.SubmitAsync(page, "form[action='/sign-in/choose-school']", new Dictionary<string, string> { ["school"] = third }), HttpStatusCode.BadRequest);

        Assert.Equal("You could not be signed in to that school", refused.QuerySelector("h1")!.TextContent);
        Assert.Contains("You have not been signed in.", refused.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal(0, await SessionsAtAsync(third) + await SessionsAtAsync(sam.First) + await SessionsAtAsync(sam.Second));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
        // One attempt at another school ends the offer: the real choice now needs a new sign-in.
        var late = await client.SubmitAsync(page, "form[action='/sign-in/choose-school']", new Dictionary<string, string> { ["school"] = sam.First });
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Equal(0, await SessionsAtAsync(sam.First));
    }

    [Fact]
    public async Task An_altered_choice_cookie_signs_nobody_in()
    {
        var sam = await SamAtTwoSchoolsAsync();
        using var client = Browser(out var cookies);
        var page = await ChoicePageAsync(client, sam);
        var at = new Uri(app.Host.Server.BaseAddress, SchoolChoice.Path);
        var cookie = cookies.GetCookies(at)[SchoolChoice.CookieName]!;
        Assert.True(cookie.HttpOnly);
        var value = cookie.Value.ToCharArray();
        value[value.Length / 2] = value[value.Length / 2] == 'A' ? 'B' : 'A';
        cookies.Add(at, new Cookie(SchoolChoice.CookieName, new string(value), SchoolChoice.Path));

        var refused = await HtmlPages.ParseAsync(
            await client.SubmitAsync(page, "form[action='/sign-in/choose-school']", new Dictionary<string, string> { ["school"] = sam.Second }), HttpStatusCode.BadRequest);

        Assert.Equal("Your sign-in has timed out", refused.QuerySelector("h1")!.TextContent);
        Assert.Equal(0, await SessionsAtAsync(sam.First) + await SessionsAtAsync(sam.Second));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_choice_made_by_the_app_but_lapsed_signs_nobody_in_while_one_still_in_time_does()
    {
        var sam = await SamAtTwoSchoolsAsync();
        var protector = app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(SchoolChoice.Purpose).ToTimeLimitedDataProtector();
        var offer = JsonSerializer.Serialize(new
        {
            Email = sam.Email,
            ReturnUrl = "/api/me",
            Candidates = new[] { new { Urn = sam.First, PersonId = sam.AtFirst }, new { Urn = sam.Second, PersonId = sam.AtSecond } },
        });

        async Task<HttpResponseMessage> ChooseWithAsync(string protectedOffer)
        {
            var client = Browser(out var cookies);
            var at = new Uri(app.Host.Server.BaseAddress, SchoolChoice.Path);
            cookies.Add(at, new Cookie(SchoolChoice.CookieName, protectedOffer, SchoolChoice.Path));
            // The page draws the form (with its antiforgery token) only from an offer that opens.
            var form = await client.GetAsync(SchoolChoice.Path);
            if (form.StatusCode != HttpStatusCode.OK)
            {
                return form;
            }
            return await client.SubmitAsync(await HtmlPages.ParseAsync(form), "form[action='/sign-in/choose-school']",
                new Dictionary<string, string> { ["school"] = sam.Second });
        }

        var lapsed = await ChooseWithAsync(protector.Protect(offer, DateTimeOffset.UtcNow.AddSeconds(-1)));
        Assert.Equal(HttpStatusCode.BadRequest, lapsed.StatusCode);
        Assert.Equal("Your sign-in has timed out", (await HtmlPages.ParseAsync(lapsed, HttpStatusCode.BadRequest)).QuerySelector("h1")!.TextContent);
        Assert.Equal(0, await SessionsAtAsync(sam.Second));

        var inTime = await ChooseWithAsync(protector.Protect(offer, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal("/api/me", inTime.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(1, await SessionsAtAsync(sam.Second));
    }

    [Fact]
    public async Task An_offer_protected_for_another_purpose_does_not_open()
    {
        var sam = await SamAtTwoSchoolsAsync();
        // Right contents, but protected as another value of the app (say, the unknown page's address).
        var other = app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("ComplianceLedger.SignIn.Unknown").ToTimeLimitedDataProtector()
            .Protect(JsonSerializer.Serialize(new { Email = sam.Email, ReturnUrl = "/", Candidates = new[] { new { Urn = sam.Second, PersonId = sam.AtSecond } } }), TimeSpan.FromMinutes(1));
        using var client = Browser(out var cookies);
        cookies.Add(new Uri(app.Host.Server.BaseAddress, SchoolChoice.Path), new Cookie(SchoolChoice.CookieName, other, SchoolChoice.Path));

        Assert.Equal("Your sign-in has timed out", (await client.GetPageAsync(SchoolChoice.Path, HttpStatusCode.BadRequest)).QuerySelector("h1")!.TextContent);
        Assert.Equal(0, await SessionsAtAsync(sam.Second));
    }

    [Fact]
    public async Task When_one_of_the_two_has_left_the_address_signs_straight_in_at_the_other()
    {
        var sam = await SamAtTwoSchoolsAsync();
        await using (var command = app.AdminDataSource.CreateCommand("UPDATE rm.people SET left_on = DATE '2025-10-01' WHERE tenant = $1 AND person_id = $2"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sam.First });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = sam.AtFirst });
            await command.ExecuteNonQueryAsync();
        }
        using var client = Browser(out _);

        var landed = await SignInThroughProviderAsync(client, sam.Second, sam.AtSecond, "/api/me");

        Assert.Equal("/api/me", landed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(sam.Second, (await landed.Content.ReadFromJsonAsync<SignInEndpoints.MeView>())!.Urn);
        Assert.Equal(0, await SessionsAtAsync(sam.First));
    }

    [Fact]
    public async Task An_address_the_ledger_does_not_hold_still_gets_the_unknown_page()
    {
        var sam = await SamAtTwoSchoolsAsync();
        using var client = Browser(out _);
        var page = await client.GetPageAsync("/sign-in/local");
        var form = page.QuerySelectorAll("form").Single(f => f.QuerySelector("input[name=person]")?.GetAttribute("value") == $"{sam.First}/{sam.AtFirst:D}");
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? "")).ToList();
        // The provider vouches for the address, but by now the ledger holds it for neither school.
        await using (var command = app.AdminDataSource.CreateCommand("UPDATE rm.sign_in_emails SET email_index = email_index || '-gone' WHERE tenant = ANY ($1)"))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [sam.First, sam.Second] });
            await command.ExecuteNonQueryAsync();
        }

        var landed = await client.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(fields));

        Assert.Equal("/sign-in/unknown", landed.RequestMessage!.RequestUri!.AbsolutePath);
        var unknown = await HtmlPages.ParseAsync(landed);
        Assert.Equal("We could not find you", unknown.QuerySelector("h1")!.TextContent);
        Assert.Contains($"We could not find {sam.Email} at a school that uses this service", unknown.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal(0, await SessionsAtAsync(sam.First) + await SessionsAtAsync(sam.Second));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }
}
