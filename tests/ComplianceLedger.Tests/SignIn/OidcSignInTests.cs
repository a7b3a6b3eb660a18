using System.Net;
using System.Net.Http.Json;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace ComplianceLedger.Tests.SignIn;

/// <summary>
/// The whole OpenID Connect code flow, in memory, against the in-app local provider: the
/// challenge, the provider's "Choose a demo person" page, its code, the app's exchange of it over
/// the backchannel, and the match by verified email ending in an ordinary session.
/// </summary>
public sealed class OidcSignInTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static int next = 836000;

    static string NextUrn() => Interlocked.Increment(ref next).ToString(System.Globalization.CultureInfo.InvariantCulture);

    async Task<(string Urn, Guid Person, string Email)> EnrolAsync(string? email = null)
    {
        var urn = NextUrn();
        await app.Setup.RegisterAsync(urn, $"Test School {urn}", "trust-t1", "Test Trust", ["test.sch.uk"], "TST", "system:test");
        email ??= $"teacher.{urn}@test.sch.uk";
        var person = await app.Setup.EnrolAsync(urn, $"Teacher of {urn}", [Role.Teacher], new DateOnly(2025, 9, 1), "system:test", email);
        return (urn, person, email);
    }

    /// <summary>Starts at /sign-in/local, chooses the person on the provider's page and returns the final response.</summary>
    static async Task<HttpResponseMessage> SignInThroughProviderAsync(HttpClient client, string urn, Guid person, string returnUrl = "/api/me")
    {
        var page = await client.GetAsync($"/sign-in/local?returnUrl={Uri.EscapeDataString(returnUrl)}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("/local-idp/authorize", page.RequestMessage!.RequestUri!.AbsolutePath);
        var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        Assert.Equal("Choose a demo person", document.QuerySelector("h1")!.TextContent.Trim());
        var form = document.QuerySelectorAll("form").Single(f => f.QuerySelector("input[name=person]")?.GetAttribute("value") == $"{urn}/{person:D}");
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? ""));
        return await client.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(fields));
    }

    async Task<long> SessionsOfAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT count(*) FROM ledger.sessions WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task The_code_flow_against_the_local_provider_lands_with_a_session_whose_me_is_the_person()
    {
        var (urn, person, _) = await EnrolAsync();
        using var client = app.Client();
        var landed = await SignInThroughProviderAsync(client, urn, person);
        Assert.Equal(HttpStatusCode.OK, landed.StatusCode);
        Assert.Equal("/api/me", landed.RequestMessage!.RequestUri!.AbsolutePath);
        var me = await landed.Content.ReadFromJsonAsync<ComplianceLedger.Api.SignIn.SignInEndpoints.MeView>();
        Assert.Equal(urn, me!.Urn);
        Assert.Equal(person, me.PersonId);
        Assert.Equal(1, await SessionsOfAsync(urn));
    }

    [Fact]
    public async Task An_email_the_ledger_does_not_hold_gets_the_unknown_page_and_no_session()
    {
        var (urn, person, email) = await EnrolAsync();
        // The provider vouches for an address whose index the ledger does not hold.
        await using (var command = app.AdminDataSource.CreateCommand("UPDATE rm.sign_in_emails SET email_index = 'another' WHERE tenant = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            using var client0 = app.Client();
            var page = await client0.GetAsync("/sign-in/local");
            var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
            var form = document.QuerySelectorAll("form").Single(f => f.QuerySelector("input[name=person]")?.GetAttribute("value") == $"{urn}/{person:D}");
            var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? "")).ToList();
            await command.ExecuteNonQueryAsync();
            var landed = await client0.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(fields));
            Assert.Equal(HttpStatusCode.OK, landed.StatusCode);
            Assert.Equal("/sign-in/unknown", landed.RequestMessage!.RequestUri!.AbsolutePath);
            var text = await landed.Content.ReadAsStringAsync();
            Assert.Contains($"We could not find {email} at a school that uses this service", text, StringComparison.Ordinal);
            Assert.Contains("Ask your school office to add it.", text, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client0.GetAsync("/api/me")).StatusCode);
        }
        Assert.Equal(0, await SessionsOfAsync(urn));
    }

    [Fact]
    public async Task A_leaver_is_refused_and_no_session_is_made()
    {
        var (urn, person, email) = await EnrolAsync();
        using var client = app.Client();
        var page = await client.GetAsync("/sign-in/local");
        var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        var form = document.QuerySelectorAll("form").Single(f => f.QuerySelector("input[name=person]")?.GetAttribute("value") == $"{urn}/{person:D}");
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? "")).ToList();
        // They leave (as the ledger's read model records it) between choosing and the provider's answer reaching the app.
        await using (var command = app.AdminDataSource.CreateCommand("UPDATE rm.people SET left_on = DATE '2025-10-01' WHERE tenant = $1 AND person_id = $2"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = person });
            await command.ExecuteNonQueryAsync();
        }
        var landed = await client.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(fields));
        // The provider itself no longer offers a leaver; the app refuses one all the same.
        Assert.True(landed.RequestMessage!.RequestUri!.AbsolutePath is "/sign-in/unknown" or "/local-idp/authorize", landed.RequestMessage.RequestUri.AbsolutePath);
        Assert.DoesNotContain(email, (await (await client.GetAsync("/sign-in/local")).Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(0, await SessionsOfAsync(urn));
    }

    [Fact]
    public async Task In_production_without_the_local_provider_local_idp_is_not_found()
    {
        await using var host = app.StartAnotherInstance(web =>
        {
            web.UseEnvironment("Production");
            web.UseSetting("SignIn:Local:Enabled", "false");
            web.UseSetting("Ledger:Projections:RunDaemon", "false");
        });
        using var client = new HttpClient(host.Server.CreateHandler()) { BaseAddress = host.Server.BaseAddress };
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/local-idp/authorize?client_id=compliance-ledger")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/local-idp/.well-known/openid-configuration")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/sign-in/local")).StatusCode);
    }

    [Fact]
    public async Task The_secret_guard_passes_the_providers_protocol_fields_but_refuses_a_secret_there_and_on_a_normal_form()
    {
        var (urn, person, _) = await EnrolAsync();
        using var client = app.Client();
        var page = await client.GetAsync("/sign-in/local");
        var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        var form = document.QuerySelectorAll("form").Single(f => f.QuerySelector("input[name=person]")?.GetAttribute("value") == $"{urn}/{person:D}");
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? "")).ToList();
        Assert.Contains(fields, f => f.Key == "state" && f.Value.Length > 20);
        // Any other field with a secret in it is still refused here.
        var withSecret = fields.Append(new("password", "hunter2hunter2")).ToList();
        var refused = await client.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(withSecret));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Secret refused", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // A state-like field on a normal form is refused: the exemption is the provider's alone.
        var normal = await client.PostAsync("/dev/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["urn"] = urn,
            ["personId"] = person.ToString(),
            ["state"] = fields.Single(f => f.Key == "state").Value,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, normal.StatusCode);
        Assert.Contains("Secret refused", await normal.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(fields))).StatusCode);
    }
}
