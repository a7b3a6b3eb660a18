using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Compliance;

/// <summary>
/// The governors' dashboard on a clock the test moves: a school opened on 1 October with a policy
/// due within 14 days, and on 10 November the teacher has acknowledged (late) and the support
/// worker has not, so the trend has a month's end (31 October) and the day itself.
/// </summary>
public sealed class DashboardPagesTests(ClockedLedgerApp app) : IClassFixture<ClockedLedgerApp>
{
    static readonly DateOnly Opened = new(2026, 10, 1);
    static readonly DateOnly Today = new(2026, 11, 10);

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A school, its policy published on <see cref="Opened"/>, and the teacher's acknowledgement on <see cref="Today"/>.</summary>
    async Task<TestSchool> ArrangedAsync()
    {
        app.Time.Now = DatedChangesApiTests.At(Opened);
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var head = await school.As(Role.Headteacher);
        var body = $$"""
            {"title":"Social Media Policy","versionLabel":"1","documentSha256":"{{PeopleAndPolicyContractTests.Sha}}","effectiveFrom":"{{Day(Opened)}}",
             "reviewCycleYears":1,"responsibleCommittee":"Full governing board","audiences":["teacher","support-staff"],
             "daysToAcknowledge":14,"maxExceptionDays":365}
            """;
        var published = await head.PostAsync($"/api/schools/{school.Urn}/policies/social-media/versions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        app.Time.Now = DatedChangesApiTests.At(Today);
        var teacher = await school.As(Role.Teacher);
        var ack = await teacher.PostAsJsonAsync($"/api/schools/{school.Urn}/policies/social-media/acknowledgements",
            new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha });
        Assert.True(ack.IsSuccessStatusCode, await ack.Content.ReadAsStringAsync());
        return school;
    }

    static async Task<IHtmlDocument> PageAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = new HtmlParser().ParseDocument(text);
        Assert.Single(page.QuerySelectorAll("h1"));
        Assert.Empty(page.QuerySelectorAll("script:not([src]), style, [style]"));
        return page;
    }

    static IElement Row(IHtmlDocument page, string selector) => Assert.Single(page.QuerySelectorAll(selector));

    static string Cell(IElement row, string selector) => row.QuerySelector(selector)!.TextContent.Trim();

    [Fact]
    public async Task A_governor_sees_each_rule_and_role_in_red_amber_or_green_with_counts_that_lead_to_the_people_behind_them()
    {
        var school = await ArrangedAsync();
        var governor = await school.As(Role.Governor);

        var page = await PageAsync(await governor.GetAsync($"/schools/{school.Urn}/dashboard"));

        Assert.Equal("Compliance dashboard", page.QuerySelector("h1")!.LastChild!.TextContent);
        Assert.Contains($"Test School {school.Urn}", page.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        var rule = Row(page, "table.app-by-rule tr[data-rule='acknowledgement']");
        Assert.Equal("Red", Cell(rule, ".govuk-tag"));
        Assert.Equal("1", rule.QuerySelector("td[data-status='overdue'] a")!.FirstChild!.TextContent);
        Assert.Equal(" overdue: Policy acknowledgements", rule.QuerySelector("td[data-status='overdue'] a .govuk-visually-hidden")!.TextContent);
        Assert.StartsWith("1", Cell(rule, "td[data-status='ok']"), StringComparison.Ordinal);

        var teacher = Row(page, "table.app-by-role[data-policy='social-media'] tr[data-role='teacher']");
        Assert.Equal("Green", Cell(teacher, ".govuk-tag"));
        Assert.Equal("1", Cell(teacher, "[data-figure='acknowledged']"));
        Assert.Equal("100%", Cell(teacher, "[data-figure='percent']"));
        var support = Row(page, "table.app-by-role[data-policy='social-media'] tr[data-role='support-staff']");
        Assert.Equal("Red", Cell(support, ".govuk-tag"));
        Assert.Equal("1", Cell(support, "[data-figure='overdue']"));
        Assert.Equal("0%", Cell(support, "[data-figure='percent']"));

        // Overdue first: the overdue table comes before the rules, and names the support worker.
        var overdue = Row(page, "table.app-overdue");
        Assert.True(overdue.CompareDocumentPosition(page.QuerySelector("table.app-by-rule")!).HasFlag(DocumentPositions.Following));
        Assert.Contains($"SupportStaff of {school.Urn}", overdue.TextContent, StringComparison.Ordinal);

        // The overdue count leads to the people behind it, the same as the compliance items read gives.
        var link = ((IHtmlAnchorElement)rule.QuerySelector("td[data-status='overdue'] a")!).GetAttribute("href")!;
        var people = await PageAsync(await governor.GetAsync(link));
        var rows = people.QuerySelectorAll("table.app-items tbody tr").ToArray();
        var api = (await governor.GetFromJsonAsync<JsonElement>($"/api/schools/{school.Urn}/compliance/items?rule=acknowledgement&status=overdue")).GetProperty("items");
        Assert.Equal(api.GetArrayLength(), rows.Length);
        Assert.Equal($"SupportStaff of {school.Urn}", Assert.Single(rows).QuerySelector("td")!.TextContent);
        Assert.Equal("Overdue", rows[0].QuerySelector(".govuk-tag")!.TextContent);

        // The teacher's row lists everyone in the role, most urgent first: one acknowledgement, marked late.
        var teachers = await PageAsync(await governor.GetAsync(teacher.QuerySelector("[data-figure='acknowledged'] a")!.GetAttribute("href")!));
        Assert.Contains("(late)", Assert.Single(teachers.QuerySelectorAll("table.app-items tbody tr")).TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_gives_the_digest_for_the_minutes_which_verifies_with_the_schools_key()
    {
        var school = await ArrangedAsync();
        var governor = await school.As(Role.Governor);
        var before = await PageAsync(await governor.GetAsync($"/schools/{school.Urn}/dashboard"));
        Assert.Contains("There is no digest yet", before.QuerySelector("#digest + p")!.TextContent, StringComparison.Ordinal);

        var head = await school.As(Role.Headteacher);
        Assert.Equal(HttpStatusCode.Created, (await head.PostAsync($"/api/schools/{school.Urn}/checkpoints", null)).StatusCode);
        var page = await PageAsync(await governor.GetAsync($"/schools/{school.Urn}/dashboard"));

        var digest = Assert.Single(ComplianceLedger.EventStore.Checkpoints.TreeHead.ParseDigests(Row(page, "pre.app-digest").TextContent));
        Assert.Equal(school.Urn, digest.Tenant);
        Assert.Equal(await app.CountEventsAsync(school.Urn), digest.TreeSize);
        using var key = ComplianceLedger.EventStore.Checkpoints.SigningKey.FromPem(app.SigningKeyPem);
        Assert.True(digest.IsSignedBy(key.PublicKey));
    }

    [Fact]
    public async Task The_as_of_date_shows_the_ledger_as_it_stood_that_day_with_its_position()
    {
        var school = await ArrangedAsync();
        var governor = await school.As(Role.Governor);

        var live = await PageAsync(await governor.GetAsync($"/schools/{school.Urn}/dashboard"));
        var input = Assert.IsAssignableFrom<IHtmlInputElement>(live.QuerySelector("input[name='asOf']"));
        var form = input.Form!;
        Assert.Equal("get", form.Method, ignoreCase: true);
        Assert.Contains("app-no-print", form.ClassList);
        Assert.Equal("date", input.Type);
        Assert.NotNull(live.QuerySelector($"label[for='{input.Id}']"));

        var then = await PageAsync(await governor.GetAsync($"/schools/{school.Urn}/dashboard?asOf={Day(Opened)}"));
        var api = await governor.GetFromJsonAsync<JsonElement>($"/api/schools/{school.Urn}/compliance?asOf={Day(Opened)}");
        var position = api.GetProperty("asOf").GetProperty("position").GetInt64();
        Assert.Equal($"As of 1 October 2026, ledger position {position}.", then.QuerySelector(".app-as-of")!.TextContent);
        Assert.Equal(Day(Opened), ((IHtmlInputElement)then.QuerySelector("input[name='asOf']")!).Value);
        var teacherThen = Row(then, "table.app-by-role tr[data-role='teacher']");
        Assert.Equal("0", Cell(teacherThen, "[data-figure='acknowledged']"));
        Assert.Equal("Amber", Cell(teacherThen, ".govuk-tag"));
        Assert.Equal("1", Cell(Row(live, "table.app-by-role tr[data-role='teacher']"), "[data-figure='acknowledged']"));
        Assert.Contains("(live)", live.QuerySelector(".app-as-of")!.TextContent, StringComparison.Ordinal);

        // Printed, the page says whose it is and what it reflects.
        var print = then.QuerySelector(".app-print-only")!.TextContent;
        Assert.Contains($"Test School {school.Urn}", print, StringComparison.Ordinal);
        Assert.Contains($"As of 1 October 2026, ledger position {position}", print, StringComparison.Ordinal);

        // An empty date is today; a day to come is refused on the page, pointing at the field.
        Assert.Contains("(live)", (await PageAsync(await governor.GetAsync($"/schools/{school.Urn}/dashboard?asOf="))).QuerySelector(".app-as-of")!.TextContent,
            StringComparison.Ordinal);
        var future = await PageAsync(await governor.GetAsync($"/schools/{school.Urn}/dashboard?asOf={Day(Today.AddDays(1))}"), HttpStatusCode.BadRequest);
        Assert.NotNull(future.QuerySelector(".govuk-error-summary a[href='#asOf']"));
        Assert.Null(future.QuerySelector("table"));
    }

    [Fact]
    public async Task The_trend_chart_is_described_for_screen_readers_and_its_table_gives_the_same_numbers()
    {
        var school = await ArrangedAsync();
        var governor = await school.As(Role.Governor);

        var page = await PageAsync(await governor.GetAsync($"/schools/{school.Urn}/dashboard"));

        var svg = Row(page, "svg.app-chart");
        Assert.Equal("img", svg.GetAttribute("role"));
        var labels = svg.GetAttribute("aria-labelledby")!.Split(' ');
        Assert.Equal("title", page.GetElementById(labels[0])!.LocalName);
        Assert.Equal("desc", page.GetElementById(labels[1])!.LocalName);
        Assert.Equal(svg, page.GetElementById(labels[0])!.ParentElement);
        var chart = svg.QuerySelectorAll("text.app-chart__value").ToDictionary(t => t.GetAttribute("data-day")!, t => t.TextContent);
        var table = page.QuerySelectorAll("table.app-trend tbody tr").ToDictionary(r => r.GetAttribute("data-day")!, r => Cell(r, "[data-figure='percent']"));
        // 30 September is before the school's records; 31 October has none acknowledged, 10 November one of two.
        Assert.Equal(new Dictionary<string, string> { ["2026-10-31"] = "0%", [Day(Today)] = "50%" }, table);
        Assert.Equal(table, chart);
        Assert.Equal(2, svg.QuerySelectorAll("circle.app-chart__point").Length);
        Assert.Contains("31 October 2026 0%", page.GetElementById(labels[1])!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_teacher_may_not_read_the_dashboard_and_another_schools_does_not_exist()
    {
        var school = await ArrangedAsync();
        var other = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var teacher = await school.As(Role.Teacher);
        var governor = await school.As(Role.Governor);

        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.GetAsync($"/schools/{school.Urn}/dashboard")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.GetAsync($"/schools/{school.Urn}/dashboard/items")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await governor.GetAsync($"/schools/{other.Urn}/dashboard")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await governor.GetAsync($"/schools/{other.Urn}/dashboard/items")).StatusCode);
    }
}
