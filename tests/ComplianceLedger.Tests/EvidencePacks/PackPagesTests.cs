using System.Globalization;
using System.Net;
using AngleSharp.Html.Dom;
using ComplianceLedger.Api.EvidencePacks;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.EvidencePacks;

/// <summary>The evidence pack from the pages, without script: the form, its errors, the progress page and the download.</summary>
public sealed class PackPagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    DateOnly Today => SchoolDay.Today(app.Services.GetRequiredService<TimeProvider>());

    static string N(int value) => value.ToString(CultureInfo.InvariantCulture);

    async Task<(TestSchool School, HttpClient Governor)> GovernorAsync()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        await app.ProjectionsCaughtUpAsync();
        return (school, await school.As(Role.Governor));
    }

    static Dictionary<string, string> Period(DateOnly from, DateOnly to) => new()
    {
        ["covers"] = "period",
        ["fromDay"] = N(from.Day),
        ["fromMonth"] = N(from.Month),
        ["fromYear"] = N(from.Year),
        ["toDay"] = N(to.Day),
        ["toMonth"] = N(to.Month),
        ["toYear"] = N(to.Year),
    };

    [Fact]
    public async Task The_form_has_one_heading_labelled_fields_both_choices_and_says_how_to_check_the_pack()
    {
        var (school, governor) = await GovernorAsync();
        var page = await governor.GetPageAsync($"/schools/{school.Urn}/evidence-pack");

        Assert.Equal("Build an evidence pack", Assert.Single(page.QuerySelectorAll("h1")).TextContent.Trim());
        Assert.StartsWith("Build an evidence pack", page.Title, StringComparison.Ordinal);
        var form = Assert.IsAssignableFrom<IHtmlFormElement>(page.QuerySelector($"form[action='/schools/{school.Urn}/evidence-pack']"));
        Assert.Equal("post", form.Method, ignoreCase: true);
        Assert.NotNull(form.QuerySelector("input[name='__RequestVerificationToken']"));
        var radios = form.QuerySelectorAll("input[type=radio][name=covers]").Select(r => r.GetAttribute("value")).ToList();
        Assert.Equal(["period", "asOf"], radios);
        Assert.Equal("A period", page.QuerySelector("label[for='covers']")!.TextContent.Trim());
        Assert.Equal("Everything up to a date", page.QuerySelector("label[for='covers-asOf']")!.TextContent.Trim());
        // Every field has a label, every id is unique, and nothing runs or styles inline.
        foreach (var input in form.QuerySelectorAll("input:not([type=hidden])"))
        {
            Assert.True(page.QuerySelector($"label[for='{input.Id}']") is not null, $"{input.Id} has no label");
        }
        foreach (var id in new[] { "from-day", "from-month", "from-year", "to-day", "to-month", "to-year", "asOf-day", "asOf-month", "asOf-year" })
        {
            Assert.Single(page.QuerySelectorAll($"#{id}"));
        }
        Assert.Empty(page.QuerySelectorAll("[style], script:not([src])"));
        Assert.DoesNotContain(page.All, e => e.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.Ordinal)));
        Assert.Contains("verify.html", page.QuerySelector("main")!.TextContent, StringComparison.Ordinal);
        Assert.Null(page.QuerySelector("meta[http-equiv='refresh']"));
    }

    [Fact]
    public async Task A_date_that_is_no_date_comes_back_with_the_error_summary_linking_to_the_field_and_builds_nothing()
    {
        var (school, governor) = await GovernorAsync();
        var page = await governor.GetPageAsync($"/schools/{school.Urn}/evidence-pack");
        var fields = Period(Today.AddDays(-10), Today);
        fields["fromDay"] = "31";
        fields["fromMonth"] = "2";

        var answer = await HtmlPages.ParseAsync(await governor.SubmitAsync(page, "form[action$='/evidence-pack']", fields), HttpStatusCode.BadRequest);

        var link = Assert.Single(answer.QuerySelectorAll(".govuk-error-summary a"));
        var target = link.GetAttribute("href")!;
        Assert.StartsWith("#from-", target, StringComparison.Ordinal);
        Assert.NotNull(answer.QuerySelector(target));
        Assert.NotNull(answer.QuerySelector("#from-error.govuk-error-message"));
        // What was typed stays.
        Assert.Equal("31", answer.QuerySelector("#from-day")!.GetAttribute("value"));
        Assert.Empty(app.Services.GetRequiredService<PackBuilds>().Of(school.Urn));
    }

    [Fact]
    public async Task A_period_ending_before_it_starts_and_no_choice_at_all_are_named_in_words_linked_to_their_fields()
    {
        var (school, governor) = await GovernorAsync();
        var page = await governor.GetPageAsync($"/schools/{school.Urn}/evidence-pack");

        var backwards = await HtmlPages.ParseAsync(
            await governor.SubmitAsync(page, "form[action$='/evidence-pack']", Period(Today, Today.AddDays(-1))), HttpStatusCode.BadRequest);
        var link = Assert.Single(backwards.QuerySelectorAll(".govuk-error-summary a"));
        Assert.Equal("#to-day", link.GetAttribute("href"));
        Assert.Equal("The last day must be the same day as the first day or later", link.TextContent.Trim());
        Assert.NotNull(backwards.QuerySelector("#to-error"));

        var none = await HtmlPages.ParseAsync(await governor.SubmitAsync(page, "form[action$='/evidence-pack']"), HttpStatusCode.BadRequest);
        Assert.Equal("#covers", Assert.Single(none.QuerySelectorAll(".govuk-error-summary a")).GetAttribute("href"));
        Assert.Empty(app.Services.GetRequiredService<PackBuilds>().Of(school.Urn));
    }

    [Fact]
    public async Task A_good_period_goes_to_the_progress_page_which_ends_ready_with_the_download_and_what_to_do_with_it()
    {
        var (school, governor) = await GovernorAsync();
        var page = await governor.GetPageAsync($"/schools/{school.Urn}/evidence-pack");
        var (from, to) = (Today.AddDays(-30), Today);

        var sent = await governor.SubmitAsync(page, "form[action$='/evidence-pack']", Period(from, to));
        var progress = sent.RequestMessage!.RequestUri!.AbsolutePath;
        Assert.Matches($"^/schools/{school.Urn}/evidence-pack/[0-9a-f-]{{36}}$", progress);
        var first = await HtmlPages.ParseAsync(sent);
        if (first.QuerySelector("h1")!.TextContent.Trim() == "Building the evidence pack")
        {
            Assert.Equal("2", first.QuerySelector("meta[http-equiv='refresh']")!.GetAttribute("content"));
            var bar = first.QuerySelector("progress#pack-progress")!;
            Assert.InRange(int.Parse(bar.GetAttribute("value")!, CultureInfo.InvariantCulture), 0, 100);
            Assert.NotNull(first.QuerySelector("label[for='pack-progress']"));
        }

        IHtmlDocument ready = first;
        for (var attempt = 0; attempt < 600 && ready.QuerySelector("h1")!.TextContent.Trim() == "Building the evidence pack"; attempt++)
        {
            await Task.Delay(100);
            ready = await governor.GetPageAsync(progress);
        }
        Assert.Equal("The evidence pack is ready", ready.QuerySelector("h1")!.TextContent.Trim());
        Assert.Null(ready.QuerySelector("meta[http-equiv='refresh']"));
        Assert.Contains($"From {from.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)} to {to.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}",
            ready.QuerySelector("main")!.TextContent, StringComparison.Ordinal);
        var download = ready.QuerySelector("a#pack-download.govuk-button")!;
        Assert.Matches(@"^Download the evidence pack \(ZIP, [0-9.]+ (KB|MB|bytes)\)$", System.Text.RegularExpressions.Regex.Replace(download.TextContent.Trim(), @"\s+", " "));
        Assert.Contains("verify.html", ready.QuerySelector("ol")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("minutes", ready.QuerySelector("ol")!.TextContent, StringComparison.Ordinal);

        var zip = await governor.GetAsync(download.GetAttribute("href"));
        Assert.Equal(HttpStatusCode.OK, zip.StatusCode);
        using var key = SigningKey.FromPem(app.SigningKeyPem);
        var result = PackFiles.Verify(await zip.Content.ReadAsByteArrayAsync(), key);
        Assert.True(result.Intact, string.Join("\n", result.Problems));

        // Someone else at the school does not see it.
        var chair = await school.As(Role.ChairOfGovernors);
        Assert.Equal(HttpStatusCode.NotFound, (await chair.GetAsync(progress)).StatusCode);
    }

    [Fact]
    public async Task Staff_who_may_not_export_are_refused_the_page_and_see_no_link_to_it()
    {
        var (school, _) = await GovernorAsync();
        var teacher = await school.As(Role.Teacher);
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.GetAsync($"/schools/{school.Urn}/evidence-pack")).StatusCode);

        var head = await school.As(Role.Headteacher);
        var approvals = await head.GetPageAsync($"/schools/{school.Urn}/approvals");
        Assert.NotNull(approvals.QuerySelector($"a[href='/schools/{school.Urn}/evidence-pack']"));
        var governor = await school.As(Role.Governor);
        var dashboard = await governor.GetPageAsync($"/schools/{school.Urn}/dashboard");
        Assert.NotNull(dashboard.QuerySelector($"a[href='/schools/{school.Urn}/evidence-pack']"));
    }
}
