using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.AuditTrail;

/// <summary>The audit trail as a page: the API's lines, filtered by person, kind of event and dates, paged, as of any point.</summary>
public sealed class AuditTrailPagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static async Task<IHtmlDocument> PageAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
        var page = new HtmlParser().ParseDocument(text);
        Assert.Single(page.QuerySelectorAll("h1"));
        Assert.Empty(page.QuerySelectorAll("script:not([src]), style, [style]"));
        return page;
    }

    static long[] Positions(IHtmlDocument page) =>
        [.. page.QuerySelectorAll("table.app-audit-trail tbody tr").Select(r => long.Parse(r.GetAttribute("data-position")!, System.Globalization.CultureInfo.InvariantCulture))];

    static async Task<long[]> ApiPositionsAsync(HttpClient client, string query) =>
        [.. (await client.GetFromJsonAsync<JsonElement>($"{query}")).GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("position").GetInt64())];

    async Task<(TestSchool School, HttpClient Governor)> ArrangedAsync()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var teacher = await arranged.School.As(Role.Teacher);
        var ack = await teacher.PostAsJsonAsync($"/api/schools/{arranged.School.Urn}/policies/social-media/acknowledgements",
            new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha });
        Assert.True(ack.IsSuccessStatusCode);
        return (arranged.School, await arranged.School.As(Role.Governor));
    }

    [Fact]
    public async Task A_governor_filters_the_trail_by_person_kind_and_dates_and_sees_what_the_api_gives()
    {
        var (school, governor) = await ArrangedAsync();
        var api = $"/api/schools/{school.Urn}/audit-trail";
        var path = $"/schools/{school.Urn}/audit-trail";

        var all = await PageAsync(await governor.GetAsync(path));
        Assert.Equal(await ApiPositionsAsync(governor, $"{api}?limit=50"), Positions(all));
        Assert.NotNull(all.QuerySelector("label[for='person']"));
        Assert.NotNull(all.QuerySelector("input[type='date'][name='from']"));
        Assert.NotNull(all.QuerySelector("input[type='date'][name='to']"));

        var teacher = school.People[Role.Teacher];
        var option = all.QuerySelector($"select[name='person'] option[value='{teacher}']")!;
        Assert.Equal($"Teacher of {school.Urn} (Teacher)", option.TextContent);
        var byTeacher = await PageAsync(await governor.GetAsync($"{path}?person={teacher}"));
        Assert.Equal(await ApiPositionsAsync(governor, $"{api}?actor={teacher}"), Positions(byTeacher));
        Assert.Contains("Social Media Policy", Assert.Single(byTeacher.QuerySelectorAll("table.app-audit-trail tbody tr")).TextContent, StringComparison.Ordinal);
        Assert.NotNull(byTeacher.QuerySelector($"select[name='person'] option[value='{teacher}'][selected]"));

        var policies = await PageAsync(await governor.GetAsync($"{path}?kind=policy."));
        var types = policies.QuerySelectorAll("table.app-audit-trail tbody tr").Select(r => r.GetAttribute("data-type")!).ToArray();
        Assert.Equal(["policy.acknowledged.v1", "policy.version-published.v1"], types);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Positions(all), Positions(await PageAsync(await governor.GetAsync($"{path}?from={today}&to={today}&kind=&person="))));
        Assert.Empty(Positions(await PageAsync(await governor.GetAsync($"{path}?to=2020-01-01"))));

        var backwards = await PageAsync(await governor.GetAsync($"{path}?from={today}&to=2020-01-01"), HttpStatusCode.BadRequest);
        Assert.NotNull(backwards.QuerySelector(".govuk-error-summary a[href='#from']"));
        var notADate = await PageAsync(await governor.GetAsync($"{path}?from=yesterday"), HttpStatusCode.BadRequest);
        Assert.NotNull(notADate.QuerySelector(".govuk-error-summary a[href='#from']"));
    }

    [Fact]
    public async Task The_trail_pages_as_the_api_does_and_answers_as_of_a_position()
    {
        var (school, governor) = await ArrangedAsync();
        var path = $"/schools/{school.Urn}/audit-trail";
        var all = await ApiPositionsAsync(governor, $"/api/schools/{school.Urn}/audit-trail");

        var first = await PageAsync(await governor.GetAsync($"{path}?limit=5"));
        Assert.Equal(all[..5], Positions(first));
        var older = first.QuerySelector("a[rel='next']")!.GetAttribute("href")!;
        Assert.Contains($"before={all[4]}", older, StringComparison.Ordinal);
        var second = await PageAsync(await governor.GetAsync(older));
        Assert.Equal(all[5..10], Positions(second));
        Assert.NotNull(second.QuerySelector("a[rel='first']"));

        var then = await PageAsync(await governor.GetAsync($"{path}?asOf={all[1]}"));
        Assert.Equal(all[1..], Positions(then));
        Assert.Contains($"ledger position {all[1]}", then.QuerySelector(".app-print-only")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("app-no-print", then.QuerySelector("main form")!.ClassList);
    }

    [Fact]
    public async Task A_teacher_may_not_read_the_trail_and_another_schools_does_not_exist()
    {
        var (school, governor) = await ArrangedAsync();
        var other = await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())));

        Assert.Equal(HttpStatusCode.Forbidden, (await (await school.As(Role.Teacher)).GetAsync($"/schools/{school.Urn}/audit-trail")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await governor.GetAsync($"/schools/{other.School.Urn}/audit-trail")).StatusCode);
    }
}
