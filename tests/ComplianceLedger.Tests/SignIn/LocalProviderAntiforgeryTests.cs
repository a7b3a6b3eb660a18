using System.Net;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.SignIn;

/// <summary>
/// The local provider's "Choose a demo person" form carries an antiforgery token and the provider
/// checks it: a choice posted without it, or with another browser's, signs no one in and records
/// nothing; the same choice with the page's own token goes on through the code flow.
/// </summary>
public sealed class LocalProviderAntiforgeryTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    const string TokenField = "__RequestVerificationToken";

    static int next = 837000;

    async Task<(string Urn, Guid Person)> EnrolAsync()
    {
        var urn = Interlocked.Increment(ref next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await app.Setup.RegisterAsync(urn, $"Test School {urn}", "trust-t1", "Test Trust", ["test.sch.uk"], "TST", "system:test");
        var person = await app.Setup.EnrolAsync(urn, $"Teacher of {urn}", [Role.Teacher], new DateOnly(2025, 9, 1), "system:test", $"teacher.{urn}@test.sch.uk");
        return (urn, person);
    }

    /// <summary>The provider's page as this client reads it, and the hidden fields of the person's form.</summary>
    static async Task<(string Action, List<KeyValuePair<string, string>> Fields)> ChooserFormAsync(HttpClient client, string urn, Guid person)
    {
        var page = await client.GetAsync("/sign-in/local?returnUrl=%2Fapi%2Fme");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("/local-idp/authorize", page.RequestMessage!.RequestUri!.AbsolutePath);
        var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        var form = document.QuerySelectorAll("form").Single(f => f.QuerySelector("input[name=person]")?.GetAttribute("value") == $"{urn}/{person:D}");
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? "")).ToList();
        return (form.GetAttribute("action")!, fields);
    }

    async Task<long> SessionsOfAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT count(*) FROM ledger.sessions WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    static async Task AssertRefusedAsync(HttpResponseMessage refused)
    {
        var text = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{(int)refused.StatusCode} {text}");
        // Refused on the provider's own address, as a page: no redirect towards the app's callback.
        Assert.Equal("/local-idp/authorize", refused.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        var document = new HtmlParser().ParseDocument(text);
        Assert.Equal("This form has expired", document.QuerySelector("h1")?.TextContent.Trim());
        Assert.Contains("No one was signed in", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_choice_carries_a_token_and_without_it_no_one_is_signed_in_and_nothing_is_recorded()
    {
        var (urn, person) = await EnrolAsync();
        using var client = app.Client();
        var (action, fields) = await ChooserFormAsync(client, urn, person);
        Assert.Single(fields, f => f.Key == TokenField && f.Value.Length > 20);
        // The request's own parameters come back once each, the token not among them twice.
        Assert.Single(fields, f => f.Key == "state");
        var events = await app.CountEventsAsync(urn);

        var refused = await client.PostAsync(action, new FormUrlEncodedContent(fields.Where(f => f.Key != TokenField)));

        await AssertRefusedAsync(refused);
        Assert.Equal(0, await SessionsOfAsync(urn));
        Assert.Equal(events, await app.CountEventsAsync(urn));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);

        // The very same choice with the page's token signs them in: the token was all that was missing.
        var landed = await client.PostAsync(action, new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.OK, landed.StatusCode);
        Assert.Equal("/api/me", landed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(1, await SessionsOfAsync(urn));
    }

    [Fact]
    public async Task A_token_from_another_browser_is_refused()
    {
        var (urn, person) = await EnrolAsync();
        using var victim = app.Client();
        using var attacker = app.Client();
        var (action, fields) = await ChooserFormAsync(victim, urn, person);
        var (_, theirs) = await ChooserFormAsync(attacker, urn, person);
        var forged = fields.Where(f => f.Key != TokenField).Append(theirs.Single(f => f.Key == TokenField)).ToList();

        await AssertRefusedAsync(await victim.PostAsync(action, new FormUrlEncodedContent(forged)));
        Assert.Equal(0, await SessionsOfAsync(urn));
    }
}
