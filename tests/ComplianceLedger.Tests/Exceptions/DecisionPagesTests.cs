using System.Net;
using System.Net.Http.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using static ComplianceLedger.Tests.Exceptions.ExceptionArrangements;

namespace ComplianceLedger.Tests.Exceptions;

/// <summary>The headteacher's queue and decisions, and the DSL's advice, as pages used without script.</summary>
public sealed class DecisionPagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static string ItemPath(Arranged a, string key = "item") => $"/schools/{a.School.Urn}/exceptions/{a[key]}";

    static IElement Row(IHtmlDocument page, string id) =>
        page.QuerySelector($"tr[data-item='{id}']") ?? throw new Xunit.Sdk.XunitException($"No row for {id} in {page.Body!.TextContent}");

    [Fact]
    public async Task The_heads_queue_shows_the_longest_waiting_first_with_days_waiting_and_the_DSLs_advice()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Lapsed);
        await app.ProjectionsCaughtUpAsync();
        var head = await arranged.School.As(Role.Headteacher);

        var page = await head.GetPageAsync($"/schools/{arranged.School.Urn}/approvals");

        // Declared twelve days ago, advised since; declared three days ago, not yet advised.
        var advised = Row(page, arranged["pending-decision"]);
        Assert.Equal("12", advised.QuerySelector(".app-days-waiting")!.TextContent.Trim());
        Assert.Contains("Acceptable with boundaries", advised.QuerySelector(".app-dsl-advice")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Friendship with a parent", advised.TextContent, StringComparison.Ordinal);
        var awaiting = Row(page, arranged["pending-dsl"]);
        Assert.Equal("3", awaiting.QuerySelector(".app-days-waiting")!.TextContent.Trim());
        Assert.Contains("Awaiting DSL advice", awaiting.QuerySelector(".app-dsl-advice")!.TextContent, StringComparison.Ordinal);
        // An extension has waited since it was asked for (two days ago), a fresh decision since the revocation (ten days ago).
        var extension = Row(page, arranged["extension-requested"]);
        Assert.Equal("2", extension.QuerySelector(".app-days-waiting")!.TextContent.Trim());
        Assert.Contains("RA-2026-014", extension.TextContent, StringComparison.Ordinal);
        Assert.Equal("10", Row(page, arranged["revoked"]).QuerySelector(".app-days-waiting")!.TextContent.Trim());

        var rows = page.QuerySelectorAll("#approvals tbody tr").Select(r => r.GetAttribute("data-item")).ToList();
        Assert.True(rows.IndexOf(arranged["pending-decision"]) < rows.IndexOf(arranged["pending-dsl"]), "oldest first");
        Assert.Equal($"/schools/{arranged.School.Urn}/exceptions/{arranged["pending-decision"]}", advised.QuerySelector("a")!.GetAttribute("href"));
        Assert.NotNull(page.QuerySelector("table caption"));
    }

    [Fact]
    public async Task An_empty_queue_says_so_in_plain_words()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);

        var page = await (await arranged.School.As(Role.Headteacher)).GetPageAsync($"/schools/{arranged.School.Urn}/approvals");

        Assert.Contains("Nothing is waiting", page.QuerySelector("#nothing-waiting")!.TextContent, StringComparison.Ordinal);
        Assert.Null(page.QuerySelector("table"));
    }

    [Fact]
    public async Task The_DSL_finds_the_declaration_awaiting_advice_records_it_through_the_form_and_it_appears()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Declared);
        var dsl = await arranged.School.As(Role.Dsl);

        var queue = await dsl.GetPageAsync($"/schools/{arranged.School.Urn}/advice");
        var link = Row(queue, arranged["item"]).QuerySelector("a")!.GetAttribute("href")!;
        var item = await dsl.GetPageAsync(link);
        Assert.Null(item.QuerySelector("form[action$='/approval']"));

        var done = await dsl.SubmitAsync(item, "form[action$='/dsl-advice']", new Dictionary<string, string> { ["advice"] = "Low risk: family contact only." });
        var after = await HtmlPages.ParseAsync(done);

        Assert.Equal(ItemPath(arranged), done.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("advice is recorded", after.QuerySelector(".govuk-notification-banner--success")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Low risk: family contact only.", after.QuerySelector("#dsl-advice")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(1, await app.CountEventsAsync(arranged.School.Urn, "exception.dsl-consulted.v1"));
        Assert.NotNull((await dsl.GetPageAsync($"/schools/{arranged.School.Urn}/advice")).QuerySelector("#nothing-waiting"));
    }

    [Fact]
    public async Task The_head_approves_with_conditions_and_an_end_date_and_lands_on_the_item_with_the_recorded_banner()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Advised);
        var head = await arranged.School.As(Role.Headteacher);
        var item = await head.GetPageAsync(ItemPath(arranged));
        // GOV.UK's date input: day, month and year as numeric text, not a browser's date field read month first.
        Assert.Equal("until-day until-month until-year", string.Join(' ', item.QuerySelectorAll("fieldset #until input").Select(i => i.Id)));
        Assert.All(item.QuerySelectorAll("#until input"), i => Assert.Equal(("text", "numeric"), (i.GetAttribute("type"), i.GetAttribute("inputmode"))));

        var done = await head.SubmitAsync(item, "form[action$='/approval']", new Dictionary<string, string>
        {
            ["conditions"] = "No direct messaging; not his class teacher.",
        }.WithDate("until", Day(100)));
        var after = await HtmlPages.ParseAsync(done);

        Assert.Equal(ItemPath(arranged), done.RequestMessage!.RequestUri!.AbsolutePath);
        var banner = after.QuerySelector(".govuk-notification-banner--success");
        Assert.NotNull(banner);
        Assert.Contains("approval is recorded", banner.TextContent, StringComparison.Ordinal);
        Assert.Equal(1, await app.CountEventsAsync(arranged.School.Urn, "exception.approved.v1"));
        Assert.Equal("Approved", after.QuerySelector("#status")!.TextContent);
        Assert.Equal("No direct messaging; not his class teacher.", after.QuerySelector("#conditions-given")!.TextContent);
        Assert.Equal(DateOnly.ParseExact(Day(100), "yyyy-MM-dd").ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture),
            after.QuerySelector("#until-given")!.TextContent);
        // Now approved: it may be revoked, and it is decided no more.
        Assert.NotNull(after.QuerySelector("form[action$='/revocation']"));
        Assert.Null(after.QuerySelector("form[action$='/approval']"));
    }

    [Fact]
    public async Task An_impossible_end_date_is_an_error_linked_to_the_field_and_records_nothing()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Advised);
        var head = await arranged.School.As(Role.Headteacher);
        var item = await head.GetPageAsync(ItemPath(arranged));

        var sent = await head.SubmitAsync(item, "form[action$='/approval']", new Dictionary<string, string>
        {
            ["conditions"] = "No direct messaging.",
        }.WithDate("until", "31", "2", "2027"));
        var again = await HtmlPages.ParseAsync(sent, HttpStatusCode.BadRequest);

        Assert.Equal("The end date must be a real date", again.QuerySelector(".govuk-error-summary a[href='#until-day']")!.TextContent);
        Assert.NotNull(again.QuerySelector("#until-error"));
        // What was typed comes back, each part marked wrong.
        Assert.Equal("31 2 2027", string.Join(' ', again.QuerySelectorAll("#until input").Select(i => i.GetAttribute("value"))));
        Assert.All(again.QuerySelectorAll("#until input"), i => Assert.Contains("govuk-input--error", i.ClassName, StringComparison.Ordinal));
        Assert.Equal("No direct messaging.", again.QuerySelector("textarea#conditions")!.TextContent);
        Assert.Equal(0, await app.CountEventsAsync(arranged.School.Urn, "exception.approved.v1"));
    }

    [Fact]
    public async Task A_teacher_opening_the_approvals_queue_is_refused_with_a_page()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Declared);

        var response = await (await arranged.School.As(Role.Teacher)).GetAsync($"/schools/{arranged.School.Urn}/approvals");

        var page = await HtmlPages.ParseAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("Not permitted for your role", page.QuerySelector("h1")?.TextContent);
    }

    [Fact]
    public async Task An_end_date_typed_day_first_is_recorded_as_that_day_not_read_month_first()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Advised);
        var head = await arranged.School.As(Role.Headteacher);
        var item = await head.GetPageAsync(ItemPath(arranged));
        // A day past the 12th, within the policy's longest exception: read month first it is no date at all.
        var until = Enumerable.Range(60, 40).Select(n => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(n)).First(d => d.Day > 12);
        var invariant = System.Globalization.CultureInfo.InvariantCulture;

        var done = await HtmlPages.ParseAsync(await head.SubmitAsync(item, "form[action$='/approval']", new Dictionary<string, string>
        {
            ["conditions"] = "No direct messaging.",
        }.WithDate("until", $" {until.Day.ToString(invariant)} ", until.Month.ToString("00", invariant), until.Year.ToString(invariant))));
        Assert.Equal(until.ToString("d MMMM yyyy", invariant), done.QuerySelector("#until-given")!.TextContent);
        Assert.Equal(1, await app.CountEventsAsync(arranged.School.Urn, "exception.approved.v1"));
    }

    [Fact]
    public async Task An_end_date_may_name_its_month_in_words()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Advised);
        var head = await arranged.School.As(Role.Headteacher);
        var item = await head.GetPageAsync(ItemPath(arranged));
        var until = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(70);
        var invariant = System.Globalization.CultureInfo.InvariantCulture;

        var done = await HtmlPages.ParseAsync(await head.SubmitAsync(item, "form[action$='/approval']", new Dictionary<string, string>
        {
            ["conditions"] = "No direct messaging.",
        }.WithDate("until", until.Day.ToString(invariant), until.ToString("MMM", invariant).ToUpperInvariant(), until.Year.ToString(invariant))));

        Assert.Equal(until.ToString("d MMMM yyyy", invariant), done.QuerySelector("#until-given")!.TextContent);
        Assert.Equal(1, await app.CountEventsAsync(arranged.School.Urn, "exception.approved.v1"));
    }

    [Fact]
    public async Task An_end_date_without_its_month_says_so_links_to_the_month_and_records_nothing()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Advised);
        var head = await arranged.School.As(Role.Headteacher);
        var item = await head.GetPageAsync(ItemPath(arranged));

        var again = await HtmlPages.ParseAsync(await head.SubmitAsync(item, "form[action$='/approval']", new Dictionary<string, string>
        {
            ["conditions"] = "No direct messaging.",
        }.WithDate("until", "20", "", "2027")), HttpStatusCode.BadRequest);

        var link = Assert.Single(again.QuerySelectorAll(".govuk-error-summary a"));
        Assert.Equal(("#until-month", "The end date must include a month"), (link.GetAttribute("href"), link.TextContent));
        Assert.Contains("The end date must include a month", again.QuerySelector("#until-error")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("until-error", again.QuerySelector("fieldset:has(#until)")!.GetAttribute("aria-describedby"), StringComparison.Ordinal);
        // Only the part left out is marked; what was typed comes back.
        Assert.Equal("until-month", string.Join(' ', again.QuerySelectorAll("#until input.govuk-input--error").Select(i => i.Id)));
        Assert.Equal("20||2027", string.Join('|', again.QuerySelectorAll("#until input").Select(i => i.GetAttribute("value"))));
        Assert.Equal(0, await app.CountEventsAsync(arranged.School.Urn, "exception.approved.v1"));
    }

    [Fact]
    public async Task An_end_date_left_empty_or_outside_the_years_the_ledger_takes_is_asked_again_and_records_nothing()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Advised);
        var head = await arranged.School.As(Role.Headteacher);
        var item = await head.GetPageAsync(ItemPath(arranged));

        foreach (var ((day, month, year), href, words, marked) in new[]
        {
            (("", "", ""), "#until-day", "Enter the end date", "until-day until-month until-year"),
            (("20", "7", "27"), "#until-year", "The end date must include a year with 4 numbers, such as 2027", "until-year"),
            (("20", "Jul", "2200"), "#until-year", "The end date must be between 1 January 1900 and 31 December 2199", "until-year"),
            (("20", "July", "2027x"), "#until-day", "The end date must be a real date", "until-day until-month until-year"),
            (("20", "", ""), "#until-month", "The end date must include a month and year", "until-month until-year"),
        })
        {
            var again = await HtmlPages.ParseAsync(await head.SubmitAsync(item, "form[action$='/approval']", new Dictionary<string, string>
            {
                ["conditions"] = "No direct messaging.",
            }.WithDate("until", day, month, year)), HttpStatusCode.BadRequest);
            var link = Assert.Single(again.QuerySelectorAll(".govuk-error-summary a"));
            Assert.Equal((href, words), (link.GetAttribute("href"), link.TextContent));
            Assert.Equal(marked, string.Join(' ', again.QuerySelectorAll("#until input.govuk-input--error").Select(i => i.Id)));
        }
        Assert.Equal(0, await app.CountEventsAsync(arranged.School.Urn, "exception.approved.v1"));
    }

    [Fact]
    public async Task A_decision_on_a_record_changed_since_the_page_was_drawn_is_refused_and_records_nothing()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Advised);
        var head = await arranged.School.As(Role.Headteacher);
        var item = await head.GetPageAsync(ItemPath(arranged));

        // Meanwhile the DSL revises the advice.
        await PostOkAsync(await arranged.School.As(Role.Dsl), $"/api/schools/{arranged.School.Urn}/exceptions/{arranged["item"]}/dsl-advice",
            new { advice = "Revised: only with the parents present." });
        var sent = await head.SubmitAsync(item, "form[action$='/approval']", new Dictionary<string, string>
        {
            ["conditions"] = "No direct messaging.",
        }.WithDate("until", Day(100)));

        var again = await HtmlPages.ParseAsync(sent, (HttpStatusCode)412);
        Assert.Contains("Someone changed this record", again.QuerySelector(".govuk-error-summary")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Revised: only with the parents present.", again.QuerySelector("#dsl-advice")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(0, await app.CountEventsAsync(arranged.School.Urn, "exception.approved.v1"));
    }

    [Fact]
    public async Task The_head_cannot_decide_their_own_request_and_is_told_so_in_the_APIs_words()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Requested);
        var head = await arranged.School.As(Role.Headteacher);
        var own = await CreatedIdAsync(head, $"/api/schools/{arranged.School.Urn}/exceptions", """{"kind":"staff-blog","description":"A blog about headship."}""");

        // Their own item offers no decision, and says who decides it.
        var ownPage = await head.GetPageAsync($"/schools/{arranged.School.Urn}/exceptions/{own}");
        Assert.Null(ownPage.QuerySelector("form[action$='/approval']"));
        Assert.Contains("chair of governors decides", ownPage.QuerySelector("#why-not")!.TextContent, StringComparison.Ordinal);

        // A decision form sent for it anyway (drawn on another item, aimed at their own) is refused by the use case.
        var other = await head.GetPageAsync(ItemPath(arranged));
        var form = other.QuerySelector("form[action$='/approval']")!;
        form.SetAttribute("action", $"/schools/{arranged.School.Urn}/exceptions/{own}/approval");
        var sent = await head.SubmitAsync(other, "form[action$='/approval']", new Dictionary<string, string>
        {
            ["version"] = "1",
            ["conditions"] = "No pupils named.",
        }.WithDate("until", Day(90)));

        var refused = await HtmlPages.ParseAsync(sent, HttpStatusCode.Forbidden);
        Assert.Contains("Nobody decides their own request: this exception request is yours.",
            refused.QuerySelector(".govuk-error-summary")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(0, await app.CountEventsAsync(arranged.School.Urn, "exception.approved.v1"));
    }

    [Fact]
    public async Task The_heads_own_request_is_decided_by_the_chair_on_the_same_page()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var own = await CreatedIdAsync(await arranged.School.As(Role.Headteacher), $"/api/schools/{arranged.School.Urn}/exceptions",
            """{"kind":"staff-blog","description":"A blog about headship."}""");
        var chair = await arranged.School.As(Role.ChairOfGovernors);

        var queue = await chair.GetPageAsync($"/schools/{arranged.School.Urn}/approvals");
        var item = await chair.GetPageAsync(Row(queue, own).QuerySelector("a")!.GetAttribute("href")!);
        var done = await HtmlPages.ParseAsync(await chair.SubmitAsync(item, "form[action$='/approval']", new Dictionary<string, string>
        {
            ["conditions"] = "No pupils named.",
        }.WithDate("until", Day(90))));

        Assert.NotNull(done.QuerySelector(".govuk-notification-banner--success"));
        Assert.Contains("as chair of governors", done.QuerySelector("#item")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(1, await app.CountEventsAsync(arranged.School.Urn, "exception.approved.v1"));
    }

    [Fact]
    public async Task The_head_grants_an_extension_and_later_revokes_the_approval_through_their_forms()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, ExtensionAsked);
        var head = await arranged.School.As(Role.Headteacher);
        var item = await head.GetPageAsync(ItemPath(arranged));
        // The date asked for is offered; the head may grant less.
        var asked = DateOnly.ParseExact(Day(60), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(asked.ToString("d M yyyy", System.Globalization.CultureInfo.InvariantCulture), string.Join(' ', item.QuerySelectorAll("#extension-until input").Select(i => i.GetAttribute("value"))));

        var extended = await HtmlPages.ParseAsync(await head.SubmitAsync(item, "form[action$='/extension-approval']",
            DateFields.Date("until", Day(45))));
        Assert.Contains("extension is recorded", extended.QuerySelector(".govuk-notification-banner--success")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(1, await app.CountEventsAsync(arranged.School.Urn, "exception.extension-approved.v1"));
        Assert.Null(extended.QuerySelector("form[action$='/extension-approval']"));

        var empty = await HtmlPages.ParseAsync(await head.SubmitAsync(extended, "form[action$='/revocation']",
            new Dictionary<string, string> { ["reason"] = " " }), HttpStatusCode.BadRequest);
        Assert.NotNull(empty.QuerySelector(".govuk-error-summary a[href='#revocation-reason']"));
        Assert.NotNull(empty.QuerySelector("details[open]"));

        var revoked = await HtmlPages.ParseAsync(await head.SubmitAsync(empty, "form[action$='/revocation']",
            new Dictionary<string, string> { ["reason"] = "The trip was cancelled." }));
        Assert.Equal("Revoked", revoked.QuerySelector("#status")!.TextContent);
        Assert.Equal(1, await app.CountEventsAsync(arranged.School.Urn, "exception.revoked.v1"));
    }

    [Fact]
    public async Task A_decision_sent_by_someone_without_a_deciding_role_is_refused_with_a_page_and_records_nothing()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Declared);
        var dsl = await arranged.School.As(Role.Dsl);
        var item = await dsl.GetPageAsync(ItemPath(arranged));
        Assert.Null(item.QuerySelector("form[action$='/refusal']"));

        // The DSL's own form, aimed at the decision.
        item.QuerySelector("form[action$='/dsl-advice']")!.SetAttribute("action", $"{ItemPath(arranged)}/refusal");
        var sent = await dsl.SubmitAsync(item, "form[action$='/refusal']");

        var refused = await HtmlPages.ParseAsync(sent, HttpStatusCode.Forbidden);
        Assert.Equal("Not permitted for your role", refused.QuerySelector("h1")?.TextContent);
        Assert.Equal(0, await app.CountEventsAsync(arranged.School.Urn, "exception.declined.v1"));
    }

    [Fact]
    public async Task The_approvals_api_filters_by_what_an_item_awaits()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Lapsed);
        var head = await arranged.School.As(Role.Headteacher);
        var path = $"/api/schools/{arranged.School.Urn}/approvals";

        var all = await head.GetFromJsonAsync<System.Text.Json.JsonElement>(path);
        var advice = await head.GetFromJsonAsync<System.Text.Json.JsonElement>($"{path}?awaiting=dsl-advice");

        Assert.True(all.GetProperty("items").GetArrayLength() > advice.GetProperty("items").GetArrayLength());
        var only = Assert.Single(advice.GetProperty("items").EnumerateArray());
        Assert.Equal(arranged["pending-dsl"], only.GetProperty("itemId").GetString());
        await UseCase.AssertProblem(await head.GetAsync($"{path}?awaiting=soon"), HttpStatusCode.BadRequest, "unknown awaiting");
    }

    [Fact]
    public async Task Each_decision_page_has_one_heading_no_inline_script_or_style_and_a_label_for_every_field()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Lapsed);
        var urn = arranged.School.Urn;
        var (head, dsl) = (await arranged.School.As(Role.Headteacher), await arranged.School.As(Role.Dsl));
        var pages = new List<IHtmlDocument>
        {
            await head.GetPageAsync($"/schools/{urn}/approvals"),
            await dsl.GetPageAsync($"/schools/{urn}/advice"),
            await dsl.GetPageAsync($"/schools/{urn}/exceptions/{arranged["pending-dsl"]}"),
            await head.GetPageAsync($"/schools/{urn}/exceptions/{arranged["pending-decision"]}"),
            await head.GetPageAsync($"/schools/{urn}/exceptions/{arranged["extension-requested"]}"),
        };

        foreach (var page in pages)
        {
            Assert.Single(page.QuerySelectorAll("h1"));
            Assert.Empty(page.QuerySelectorAll("script:not([src]), style, [style]"));
            Assert.DoesNotContain(page.All, e => e.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.Ordinal)));
            foreach (var table in page.QuerySelectorAll("table"))
            {
                Assert.NotNull(table.QuerySelector("caption"));
                Assert.All(table.QuerySelectorAll("thead th"), th => Assert.Equal("col", th.GetAttribute("scope")));
            }
            foreach (var field in page.QuerySelectorAll("input:not([type=hidden]), textarea"))
            {
                Assert.NotNull(page.QuerySelector($"label[for='{field.Id}']"));
            }
        }
        // Forms for the reader's part only: the DSL advises, the head decides.
        Assert.NotNull(pages[2].QuerySelector("form[action$='/dsl-advice']"));
        Assert.Null(pages[2].QuerySelector("form[action$='/approval']"));
        Assert.NotNull(pages[3].QuerySelector("form[action$='/approval']"));
        Assert.NotNull(pages[3].QuerySelector("form[action$='/refusal']"));
        Assert.NotNull(pages[4].QuerySelector("form[action$='/extension-refusal']"));
    }

    [Fact]
    public async Task The_holder_reads_their_own_item_and_its_history_without_any_decision_form()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Approved);
        var teacher = await arranged.School.As(Role.Teacher);

        var page = await teacher.GetPageAsync(ItemPath(arranged));

        Assert.Empty(page.QuerySelectorAll("form[action*='/exceptions/']"));
        Assert.Null(page.QuerySelector("#why-not"));
        var history = page.QuerySelectorAll("#history li").Select(li => li.TextContent).ToList();
        Assert.Equal(3, history.Count);
        Assert.Contains("declared by", history[0], StringComparison.Ordinal);
        Assert.Contains("DSL advice recorded", history[1], StringComparison.Ordinal);
        Assert.Contains("as headteacher", history[2], StringComparison.Ordinal);
        Assert.Contains("positions", page.QuerySelector("#positions")!.TextContent, StringComparison.Ordinal);
        Assert.Equal($"/schools/{arranged.School.Urn}/my-requests", page.QuerySelector("main p:last-child a")?.GetAttribute("href"));
    }

    [Fact]
    public async Task The_head_records_an_overdue_review_with_the_next_review_date()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Lapsed);
        var head = await arranged.School.As(Role.Headteacher);
        var item = await head.GetPageAsync(ItemPath(arranged));
        Assert.Null(item.QuerySelector("form[action$='/extension-approval']"));

        var done = await HtmlPages.ParseAsync(await head.SubmitAsync(item, "form[action$='/reviews']",
            DateFields.Date("nextReviewOn", Day(180))));

        Assert.Contains("review is recorded", done.QuerySelector(".govuk-notification-banner--success")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(DateOnly.ParseExact(Day(180), "yyyy-MM-dd").ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture),
            done.QuerySelector("#until-given")!.TextContent);
        Assert.Equal(1, await app.CountEventsAsync(arranged.School.Urn, "exception.reviewed.v1"));
    }
}
