using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Trusts;

/// <summary>The trust leaders' page: one row per school, sorted on the server, each leading to its school's dashboard, read-only.</summary>
public sealed class TrustPagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static async Task<IHtmlDocument> PageAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = new HtmlParser().ParseDocument(text);
        Assert.Single(page.QuerySelectorAll("h1"));
        Assert.Empty(page.QuerySelectorAll("script:not([src]), style, [style]"));
        return page;
    }

    /// <summary>A row's cell under the column whose header is <paramref name="column"/> (the rows carry no per-cell markers, to stay light).</summary>
    static AngleSharp.Dom.IElement Cell(IHtmlDocument page, AngleSharp.Dom.IElement row, string column)
    {
        var headers = page.QuerySelectorAll("table.app-schools thead th").ToList();
        var index = headers.FindIndex(h => h.GetAttribute("data-column") == column);
        Assert.True(index >= 0, $"no column {column}");
        Assert.Equal(headers.Count, row.Children.Length);
        return row.Children[index];
    }

    static string[] Urns(IHtmlDocument page) => [.. page.QuerySelectorAll("table.app-schools tbody tr").Select(r => r.GetAttribute("data-urn")!)];

    [Fact]
    public async Task A_trust_leader_sorts_the_schools_on_the_server_and_the_sorted_column_says_so()
    {
        var mine = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var other = await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())));
        var leader = await mine.School.As(Role.TrustLeader);

        var page = await PageAsync(await leader.GetAsync("/trusts/trust-t1"));
        Assert.Contains(mine.School.Urn, Urns(page));
        Assert.Contains(other.School.Urn, Urns(page));
        // By default the least covered first: the school with a policy nobody has acknowledged comes before one with nothing to acknowledge.
        Assert.True(Array.IndexOf(Urns(page), mine.School.Urn) < Array.IndexOf(Urns(page), other.School.Urn));
        Assert.Equal("ascending", page.QuerySelector("th[data-column='coverage']")!.GetAttribute("aria-sort"));

        var byUrn = page.QuerySelector("th[data-column='urn'] a")!.GetAttribute("href")!;
        Assert.Equal("/trusts/trust-t1?sort=urn&dir=asc", byUrn);
        var ascending = await PageAsync(await leader.GetAsync(byUrn));
        Assert.Equal(Urns(ascending).Order(StringComparer.Ordinal), Urns(ascending));
        Assert.Equal("ascending", ascending.QuerySelector("th[data-column='urn']")!.GetAttribute("aria-sort"));
        Assert.Null(ascending.QuerySelector("th[data-column='coverage']")!.GetAttribute("aria-sort"));

        var descending = await PageAsync(await leader.GetAsync(ascending.QuerySelector("th[data-column='urn'] a")!.GetAttribute("href")!));
        Assert.Equal(Urns(ascending).Reverse(), Urns(descending));
        Assert.Equal("descending", descending.QuerySelector("th[data-column='urn']")!.GetAttribute("aria-sort"));

        var row = descending.QuerySelector($"tr[data-urn='{mine.School.Urn}']")!;
        Assert.Equal("Red", Cell(descending, row, "status").QuerySelector(".govuk-tag")!.TextContent);
        Assert.StartsWith("0%", Cell(descending, row, "coverage").TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal(mine.School.Urn, Cell(descending, row, "urn").TextContent);
        Assert.Equal("TH", Cell(descending, row, "name").TagName);
        Assert.Equal("row", Cell(descending, row, "name").GetAttribute("scope"));
    }

    [Fact]
    public async Task A_trust_leader_drills_down_to_each_schools_dashboard_and_is_offered_nothing_to_record()
    {
        var mine = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var other = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var leader = await mine.School.As(Role.TrustLeader);
        var trust = await PageAsync(await leader.GetAsync("/trusts/trust-t1"));

        foreach (var school in new[] { mine.School, other.School })
        {
            var link = trust.QuerySelector($"tr[data-urn='{school.Urn}'] a")!.GetAttribute("href")!;
            Assert.Equal($"/schools/{school.Urn}/dashboard", link);
            var dashboard = await PageAsync(await leader.GetAsync(link));
            Assert.Equal("Red", dashboard.QuerySelector("table.app-by-rule tr[data-rule='acknowledgement'] .govuk-tag")!.TextContent);
            Assert.DoesNotContain(dashboard.QuerySelectorAll("main form"), f => !string.Equals(((IHtmlFormElement)f).Method, "get", StringComparison.OrdinalIgnoreCase));
        }
        Assert.DoesNotContain(trust.QuerySelectorAll("main form"), f => !string.Equals(((IHtmlFormElement)f).Method, "get", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Only_a_leader_of_the_trust_sees_its_page()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var head = await arranged.School.As(Role.Headteacher);
        var leader = await arranged.School.As(Role.TrustLeader);

        Assert.Equal(HttpStatusCode.NotFound, (await head.GetAsync("/trusts/trust-t1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await leader.GetAsync("/trusts/another-trust")).StatusCode);
        using var signedOut = app.Host.Server.CreateClient();
        var response = await signedOut.GetAsync("/trusts/trust-t1");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/sign-in", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task As_of_a_day_each_school_line_gives_the_position_its_school_stood_at()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var leader = await arranged.School.As(Role.TrustLeader);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var page = await PageAsync(await leader.GetAsync($"/trusts/trust-t1?asOf={today}&sort=urn"));
        var api = await leader.GetFromJsonAsync<JsonElement>($"/api/trusts/trust-t1/compliance?asOf={today}");
        var positions = api.GetProperty("schoolLines").EnumerateArray().ToDictionary(l => l.GetProperty("urn").GetString()!, l => l.GetProperty("position").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var shown = page.QuerySelectorAll("table.app-schools tbody tr").ToDictionary(r => r.GetAttribute("data-urn")!, r => Cell(page, r, "position").TextContent);
        Assert.Equal(positions, shown);
        Assert.Equal(today, ((IHtmlInputElement)page.QuerySelector("input[name='asOf']")!).Value);
        Assert.Equal("urn", ((IHtmlInputElement)page.QuerySelector("input[type='hidden'][name='sort']")!).Value);
        Assert.Equal($"/schools/{arranged.School.Urn}/dashboard?asOf={today}", page.QuerySelector($"tr[data-urn='{arranged.School.Urn}'] a")!.GetAttribute("href"));
        Assert.Contains("Test Trust", page.QuerySelector(".app-print-only")!.TextContent, StringComparison.Ordinal);

        // A chain position belongs to one school: the page says so by the date field.
        var position = await leader.GetAsync("/trusts/trust-t1?asOf=3");
        Assert.Equal(HttpStatusCode.BadRequest, position.StatusCode);
        var refused = new HtmlParser().ParseDocument(await position.Content.ReadAsStringAsync());
        Assert.NotNull(refused.QuerySelector(".govuk-error-summary a[href='#asOf']"));
        Assert.Null(refused.QuerySelector("table"));
    }
}
