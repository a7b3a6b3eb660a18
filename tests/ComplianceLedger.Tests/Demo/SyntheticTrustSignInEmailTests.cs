using System.Net;
using System.Net.Http.Json;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.Demo;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.Demo;

/// <summary>The synthetic trust's people have sign-in emails, as the demo school's do, and sign in by them.</summary>
public sealed class SyntheticTrustSignInEmailTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    [Fact]
    public async Task Every_synthetic_person_has_a_sealed_sign_in_email_at_the_schools_domain_and_signs_in_with_it()
    {
        await app.Services.GetRequiredService<SyntheticTrust>().SeedAsync(1, 800, "synthetic-emails");
        const string urn = "200000";

        var people = new List<(Guid Person, string Sealed, string SealedName)>();
        await using (var command = app.AdminDataSource.CreateCommand("""
            SELECT e.person_id, e.sealed_email, p.sealed_name FROM rm.sign_in_emails e
              JOIN rm.people p ON p.tenant = e.tenant AND p.person_id = e.person_id
             WHERE e.tenant = $1
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                people.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2)));
            }
        }
        Assert.Equal(20, people.Count);
        Assert.Equal(people.Count, await app.CountEventsAsync(urn, "person.enrolled.v1"));
        var vault = app.Services.GetRequiredService<PersonalDataVault>();
        var opened = await vault.OpenAsync(urn, people.SelectMany(p => new[] { p.Sealed, p.SealedName }));
        foreach (var (_, sealedEmail, sealedName) in people)
        {
            // "Person 7 of 200000" signs in as person.7@s200000.sch.uk.
            var n = int.Parse(opened[sealedName]!.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(SyntheticTrust.EmailOf(urn, n), opened[sealedEmail]);
        }

        // The headteacher (person 0) through the local provider: found by the address, signed in.
        var head = people.Single(p => opened[p.SealedName] == $"Person 0 of {urn}").Person;
        using var client = app.Client();
        var page = await client.GetAsync("/sign-in/local?returnUrl=%2Fapi%2Fme");
        var document = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        var form = document.QuerySelectorAll("form").Single(f => f.QuerySelector("input[name=person]")?.GetAttribute("value") == $"{urn}/{head:D}");
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? ""));
        var landed = await client.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.OK, landed.StatusCode);
        var me = await landed.Content.ReadFromJsonAsync<ComplianceLedger.Api.SignIn.SignInEndpoints.MeView>();
        Assert.Equal((urn, head), (me!.Urn, me.PersonId));
    }
}
