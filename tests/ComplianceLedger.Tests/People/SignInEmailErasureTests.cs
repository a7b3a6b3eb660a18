using System.Net;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.EventStore.Verification;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.People;

/// <summary>
/// Erasure crypto-shreds the person's key: their sealed sign-in email no longer opens, in the
/// event and in rm.sign_in_emails alike; a provider vouching for that address finds nobody; a
/// rebuild of the read models keeps it so, and the chain still verifies.
/// </summary>
public sealed class SignInEmailErasureTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static int next = 847000;

    /// <summary>A client that keeps cookies but follows no redirect, so a test can act between the provider's answer and the app's callback.</summary>
    HttpClient StepByStep() =>
        new(new CookieContainerHandler { InnerHandler = app.Host.Server.CreateHandler() }) { BaseAddress = app.Host.Server.BaseAddress };

    /// <summary>
    /// Signs in at the local provider as the person, up to the provider's redirect back to the app
    /// with its code: the provider has vouched for the address, and the app has not yet looked it up.
    /// </summary>
    static async Task<Uri> ProviderVouchesAsync(HttpClient client, string urn, Guid person)
    {
        var response = await client.GetAsync("/sign-in/local?returnUrl=%2Fapi%2Fme");
        while ((int)response.StatusCode is >= 300 and < 400)
        {
            response = await client.GetAsync(response.Headers.Location);
        }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        var form = document.QuerySelectorAll("form").Single(f => f.QuerySelector("input[name=person]")?.GetAttribute("value") == $"{urn}/{person:D}");
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? ""));
        var answered = await client.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(fields));
        Assert.True((int)answered.StatusCode is >= 300 and < 400, $"the provider answered {(int)answered.StatusCode}");
        var back = answered.Headers.Location!;
        Assert.StartsWith("/signin-oidc/local", back.IsAbsoluteUri ? back.AbsolutePath : back.OriginalString, StringComparison.Ordinal);
        return back;
    }

    /// <summary>Follows the provider's redirect into the app: where the app sends the person next.</summary>
    static async Task<string> CallbackAsync(HttpClient client, Uri back)
    {
        var landed = await client.GetAsync(back);
        Assert.True((int)landed.StatusCode is >= 300 and < 400, $"the callback answered {(int)landed.StatusCode} {await landed.Content.ReadAsStringAsync()}");
        var next = landed.Headers.Location!;
        return next.IsAbsoluteUri ? next.AbsolutePath : next.OriginalString;
    }

    async Task<long> SessionsOfAsync(string urn, Guid person)
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT count(*) FROM ledger.sessions WHERE tenant = $1 AND person_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = person });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    async Task<List<(Guid Person, string Sealed)>> RowsAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT person_id, sealed_email FROM rm.sign_in_emails WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(Guid, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetString(1)));
        }
        return rows;
    }

    [Fact]
    public async Task After_erasure_the_address_opens_nowhere_signs_in_nobody_and_a_rebuild_keeps_it_so()
    {
        var urn = Interlocked.Increment(ref next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await app.Setup.RegisterAsync(urn, $"Test School {urn}", "trust-t1", "Test Trust", ["test.sch.uk"], "TST", "system:test");
        var email = $"erase.me.{urn}@test.sch.uk";
        var person = await app.Setup.EnrolAsync(urn, $"Erased of {urn}", [Role.Teacher], new DateOnly(2025, 9, 1), "system:test", email);
        var office = await app.Setup.EnrolAsync(urn, $"Office of {urn}", [Role.Office], new DateOnly(2025, 9, 1), "system:test", $"office.{urn}@test.sch.uk");
        var vault = app.Services.GetRequiredService<PersonalDataVault>();

        // Before erasure the address signs them in (the provider's whole round trip).
        using (var before = StepByStep())
        {
            Assert.Equal("/api/me", await CallbackAsync(before, await ProviderVouchesAsync(before, urn, person)));
        }
        Assert.Equal(1, await SessionsOfAsync(urn, person));
        // Two sign-ins the provider has vouched for, whose callbacks reach the app after the erasure.
        using var first = StepByStep();
        using var second = StepByStep();
        var (firstBack, secondBack) = (await ProviderVouchesAsync(first, urn, person), await ProviderVouchesAsync(second, urn, person));

        Assert.True(await vault.ShredAsync(urn, person, "person:test"));

        var sealedEmail = Assert.Single(await RowsAsync(urn), r => r.Person == person).Sealed;
        Assert.Null(await vault.OpenAsync(urn, sealedEmail));
        Assert.StartsWith("/sign-in/unknown", await CallbackAsync(first, firstBack), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await first.GetAsync("/api/me")).StatusCode);
        // The office sees that one was set, and that it can no longer be read.
        var page = await (await app.ClientFor(urn, office)).GetPageAsync($"/schools/{urn}/people/{person}");
        Assert.Contains("can no longer be read", page.QuerySelector("#sign-in-email")!.TextContent, StringComparison.Ordinal);

        // The facts rebuilt from the ledger: the erased person's row, if any, still opens to nothing.
        var projections = app.Services.GetServices<IProjection>().ToList();
        await ProjectionRebuild.RunAsync(app.AppDataSource, projections, ["facts"], tenant: urn);

        var rows = await RowsAsync(urn);
        Assert.Equal(2, rows.Count);
        var opened = await vault.OpenAsync(urn, rows.Select(r => r.Sealed));
        Assert.Null(opened[rows.Single(r => r.Person == person).Sealed]);
        Assert.Equal($"office.{urn}@test.sch.uk", opened[rows.Single(r => r.Person == office).Sealed]);
        Assert.StartsWith("/sign-in/unknown", await CallbackAsync(second, secondBack), StringComparison.Ordinal);
        Assert.Equal(1, await SessionsOfAsync(urn, person));
        // Nor does the local provider offer them any more; the chain verifies as it did.
        Assert.DoesNotContain($"{urn}/{person:D}", await (await app.Client().GetAsync("/sign-in/local")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty((await new LedgerVerifier(app.AppDataSource).VerifyTenantAsync(urn, new Dictionary<string, byte[]>())).Problems);
    }
}
