using System.Net;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Acknowledgements;

/// <summary>A member of staff reads a policy on its page and acknowledges it, or declines with a reason, without script.</summary>
public sealed class AcknowledgementPagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    const string Policy = "/policies/social-media";

    async Task<(string Urn, HttpClient Teacher)> TeacherWithPolicyAsync()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        await app.ProjectionsCaughtUpAsync();
        return (arranged.School.Urn, await arranged.School.As(Role.Teacher));
    }

    [Fact]
    public async Task A_teacher_ticks_and_confirms_and_the_page_shows_where_the_ledger_recorded_it()
    {
        var (urn, teacher) = await TeacherWithPolicyAsync();
        var api = JsonDocument.Parse(await teacher.GetStringAsync($"/api/schools/{urn}{Policy}")).RootElement.GetProperty("item");
        var sha = api.GetProperty("versions")[0].GetProperty("documentSha256").GetString();

        var page = await teacher.GetPageAsync($"/schools/{urn}{Policy}");
        Assert.Equal(sha, page.QuerySelector("#document-sha256")?.TextContent);
        Assert.NotNull(page.QuerySelector("label[for='confirm']"));

        var done = await teacher.SubmitAsync(page, $"form[action$='/acknowledgement']", new Dictionary<string, string> { ["confirm"] = "yes" });
        var after = await HtmlPages.ParseAsync(done);

        Assert.Equal($"/schools/{urn}{Policy}", done.RequestMessage!.RequestUri!.AbsolutePath);
        var banner = after.QuerySelector(".govuk-notification-banner--success");
        Assert.NotNull(banner);
        Assert.Contains("acknowledgement is recorded", banner.TextContent, StringComparison.Ordinal);
        Assert.Equal(1, await app.CountEventsAsync(urn, "policy.acknowledged.v1"));
        Assert.NotNull(after.QuerySelector("#nothing-to-do"));

        var receiptHref = banner.QuerySelector("a")!.GetAttribute("href")!;
        var receipt = await teacher.GetPageAsync(receiptHref);
        Assert.Contains("policy.acknowledged.v1", receipt.QuerySelector("dl")!.TextContent, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{64}$", receipt.QuerySelectorAll("code.app-hash")[0].TextContent);
        // The file to keep: the same entry, with its proof and the signed tree head.
        var file = await teacher.GetAsync(receipt.QuerySelector("a[download]")!.GetAttribute("href")!);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        var kept = ComplianceLedger.EventStore.Receipts.EventReceipt.Parse(await file.Content.ReadAsStringAsync());
        Assert.Equal(receipt.QuerySelectorAll("code.app-hash")[0].TextContent, kept.Event.Hash);

        var toDo = await teacher.GetPageAsync($"/schools/{urn}/to-do");
        Assert.DoesNotContain("Acknowledge Social Media Policy", toDo.Body!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirming_without_the_tick_comes_back_with_an_error_linked_to_the_box_and_records_nothing()
    {
        var (urn, teacher) = await TeacherWithPolicyAsync();
        var page = await teacher.GetPageAsync($"/schools/{urn}{Policy}");

        var sent = await teacher.SubmitAsync(page, "form[action$='/acknowledgement']");
        var again = await HtmlPages.ParseAsync(sent, HttpStatusCode.BadRequest);

        var link = again.QuerySelector(".govuk-error-summary a[href='#confirm']");
        Assert.NotNull(link);
        Assert.Contains("Tick the box", link.TextContent, StringComparison.Ordinal);
        Assert.NotNull(again.QuerySelector("#confirm-error"));
        Assert.Equal(0, await app.CountEventsAsync(urn, "policy.acknowledged.v1"));
    }

    [Fact]
    public async Task The_same_form_sent_twice_is_recorded_once_and_both_land_on_the_receipt_banner()
    {
        var (urn, teacher) = await TeacherWithPolicyAsync();
        var page = await teacher.GetPageAsync($"/schools/{urn}{Policy}");
        var tick = new Dictionary<string, string> { ["confirm"] = "yes" };

        var first = await teacher.SubmitAsync(page, "form[action$='/acknowledgement']", tick);
        var second = await teacher.SubmitAsync(page, "form[action$='/acknowledgement']", tick);

        Assert.Equal(first.RequestMessage!.RequestUri, second.RequestMessage!.RequestUri);
        Assert.NotNull((await HtmlPages.ParseAsync(second)).QuerySelector(".govuk-notification-banner--success"));
        Assert.Equal(1, await app.CountEventsAsync(urn, "policy.acknowledged.v1"));
    }

    [Fact]
    public async Task A_teacher_declines_with_a_reason_and_an_empty_reason_is_asked_for()
    {
        var (urn, teacher) = await TeacherWithPolicyAsync();
        var page = await teacher.GetPageAsync($"/schools/{urn}{Policy}");

        var empty = await HtmlPages.ParseAsync(await teacher.SubmitAsync(page, "form[action$='/refusal']", new Dictionary<string, string> { ["reason"] = "  " }),
            HttpStatusCode.BadRequest);
        Assert.NotNull(empty.QuerySelector(".govuk-error-summary a[href='#reason']"));
        Assert.NotNull(empty.QuerySelector("details[open]"));

        var declined = await HtmlPages.ParseAsync(await teacher.SubmitAsync(empty, "form[action$='/refusal']",
            new Dictionary<string, string> { ["reason"] = "It forbids contact with my nephew, who is a pupil" }));
        Assert.Contains("refusal is recorded", declined.QuerySelector(".govuk-notification-banner--success")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(1, await app.CountEventsAsync(urn, "policy.acknowledgement-declined.v1"));
    }

    [Fact]
    public async Task A_form_without_its_antiforgery_token_is_refused_as_expired_and_records_nothing()
    {
        var (urn, teacher) = await TeacherWithPolicyAsync();
        var page = await teacher.GetPageAsync($"/schools/{urn}{Policy}");
        var sha = page.QuerySelector("#document-sha256")!.TextContent;

        var forged = await teacher.PostAsync($"/schools/{urn}{Policy}/acknowledgement", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["versionLabel"] = "1",
            ["documentSha256"] = sha,
            ["confirm"] = "yes",
        }));

        var refused = await HtmlPages.ParseAsync(forged, HttpStatusCode.BadRequest);
        Assert.Equal("This form has expired", refused.QuerySelector("h1")?.TextContent);
        Assert.Equal(0, await app.CountEventsAsync(urn, "policy.acknowledged.v1"));
    }

    [Fact]
    public async Task The_secret_guard_still_reads_a_pages_form_and_refuses_a_password_beside_a_valid_token()
    {
        var (urn, teacher) = await TeacherWithPolicyAsync();
        var page = await teacher.GetPageAsync($"/schools/{urn}{Policy}");
        var fields = page.QuerySelectorAll("form[action$='/refusal'] input[type=hidden]").OfType<AngleSharp.Html.Dom.IHtmlInputElement>()
            .ToDictionary(i => i.Name!, i => i.Value);
        fields["reason"] = "The password is hunter2hunter2";

        var refused = await HtmlPages.ParseAsync(await teacher.PostAsync($"/schools/{urn}{Policy}/refusal", new FormUrlEncodedContent(fields)),
            HttpStatusCode.BadRequest);

        Assert.Equal("Secret refused", refused.QuerySelector("h1")?.TextContent);
        Assert.Equal(0, await app.CountEventsAsync(urn, "policy.acknowledgement-declined.v1"));
    }

    [Fact]
    public async Task Nobody_is_shown_a_receipt_for_an_entry_they_did_not_record()
    {
        var (urn, teacher) = await TeacherWithPolicyAsync();

        var response = await teacher.GetAsync($"/schools/{urn}/receipts/1");

        var page = await HtmlPages.ParseAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("No such receipt", page.QuerySelector("h1")?.TextContent);
    }

    [Fact]
    public async Task An_address_with_no_page_answers_a_browser_with_a_page_and_the_api_with_a_problem()
    {
        var (urn, teacher) = await TeacherWithPolicyAsync();
        using var asBrowser = new HttpRequestMessage(HttpMethod.Get, "/no-such-page");
        asBrowser.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");

        var page = await HtmlPages.ParseAsync(await teacher.SendAsync(asBrowser), HttpStatusCode.NotFound);
        Assert.Contains("no page at this address", page.Body!.TextContent, StringComparison.Ordinal);

        using var asApi = new HttpRequestMessage(HttpMethod.Get, $"/api/schools/{urn}/no-such-thing");
        asApi.Headers.Accept.ParseAdd("text/html,*/*;q=0.8");
        var api = await teacher.SendAsync(asApi);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }
}
