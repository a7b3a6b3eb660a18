using System.Net;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.OfficialAccounts;

/// <summary>The office's register of official accounts in a browser without script: each form records through the API's use case.</summary>
public sealed class AccountPagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    [Fact]
    public async Task The_office_registers_an_account_and_it_appears_on_the_register()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())));
        var (urn, office) = (arranged.School.Urn, await arranged.School.As(Role.Office));
        var page = await office.GetPageAsync($"/schools/{urn}/accounts");
        Assert.NotNull(page.QuerySelector("#no-accounts"));

        var done = await office.SubmitAsync(page, "form[action$='/accounts']", new Dictionary<string, string>
        {
            ["platform"] = "youtube",
            ["handle"] = "@HistoryTST",
            ["url"] = "https://www.youtube.com/@HistoryTST",
            ["purpose"] = "History revision videos",
            ["intendedOutcomes"] = "Pupils revise at home",
            ["ownerId"] = arranged.School.People[Role.Teacher].ToString(),
            ["registrationEmail"] = "history@test.sch.uk",
        });

        var after = await HtmlPages.ParseAsync(done);
        Assert.Equal($"/schools/{urn}/accounts", done.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.NotNull(after.QuerySelector(".govuk-notification-banner--success"));
        Assert.Equal(1, await app.CountEventsAsync(urn, "account.registered.v1"));
        var row = Assert.Single(after.QuerySelectorAll("#accounts tbody tr"));
        Assert.Contains("@HistoryTST", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("Awaiting approval", row.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_registration_comes_back_with_each_error_linked_to_its_field_and_records_nothing()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())));
        var (urn, office) = (arranged.School.Urn, await arranged.School.As(Role.Office));
        var page = await office.GetPageAsync($"/schools/{urn}/accounts");

        var again = await HtmlPages.ParseAsync(await office.SubmitAsync(page, "form[action$='/accounts']",
            new Dictionary<string, string> { ["handle"] = "@KeptTST", ["registrationEmail"] = "not an address" }), HttpStatusCode.BadRequest);

        foreach (var field in new[] { "platform", "url", "purpose", "intendedOutcomes", "ownerId", "registrationEmail" })
        {
            Assert.NotNull(again.QuerySelector($".govuk-error-summary a[href='#{field}']"));
            Assert.NotNull(again.QuerySelector($"#{field}-error"));
            Assert.NotNull(again.QuerySelector($"#{field}"));
        }
        Assert.Null(again.QuerySelector(".govuk-error-summary a[href='#handle']"));
        Assert.Equal("@KeptTST", ((AngleSharp.Html.Dom.IHtmlInputElement)again.QuerySelector("#handle")!).Value);
        Assert.Equal(0, await app.CountEventsAsync(urn, "account.registered.v1"));
    }

    [Fact]
    public async Task The_head_assesses_approves_lodges_rotates_and_closes_and_a_custodian_records_break_glass()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var (urn, account) = (arranged.School.Urn, arranged["account"]);
        var head = await arranged.School.As(Role.Headteacher);
        var path = $"/schools/{urn}/accounts/{account}";

        var page = await head.GetPageAsync(path);
        page = await HtmlPages.ParseAsync(await head.SubmitAsync(page, "form[action$='/risk-assessment']",
            new Dictionary<string, string> { ["reference"] = "RA-2026-07" }.WithDate("assessedOn", "2026-10-01")));
        Assert.Equal(1, await app.CountEventsAsync(urn, "account.risk-assessed.v1"));
        Assert.NotNull(page.QuerySelector(".govuk-notification-banner--success"));

        page = await HtmlPages.ParseAsync(await head.SubmitAsync(page, "form[action$='/approval']",
            new Dictionary<string, string> { ["conditions"] = "A second colleague reads posts" }));
        Assert.Equal(1, await app.CountEventsAsync(urn, "account.approved.v1"));
        Assert.Contains("headteacher", page.QuerySelector("#approved")!.TextContent, StringComparison.Ordinal);

        var slt = arranged.School.People[Role.Slt].ToString();
        page = await HtmlPages.ParseAsync(await head.SubmitAsync(page, "form[action$='/custodians']",
            new Dictionary<string, string> { ["custodianId"] = slt, ["vaultReference"] = "KeePass: Comms/YouTube" }));
        Assert.Equal(1, await app.CountEventsAsync(urn, "credentials.lodged.v1"));
        Assert.Contains("KeePass: Comms/YouTube", page.QuerySelector("#custodians")!.TextContent, StringComparison.Ordinal);

        page = await HtmlPages.ParseAsync(await head.SubmitAsync(page, "form[action$='/rotation']",
            new Dictionary<string, string> { ["reason"] = "scheduled" }.WithDate("rotatedOn", "2026-10-05")));
        Assert.Equal(1, await app.CountEventsAsync(urn, "credentials.rotated.v1"));
        Assert.Contains("5 October 2026", page.QuerySelector("#last-rotation")!.TextContent, StringComparison.Ordinal);

        // Break-glass is the custodian's own record: the head holds no login, so is not offered it.
        Assert.Null(page.QuerySelector("form[action$='/break-glass']"));
        var custodian = await arranged.School.As(Role.Slt);
        var theirs = await custodian.GetPageAsync(path);
        await HtmlPages.ParseAsync(await custodian.SubmitAsync(theirs, "form[action$='/break-glass']",
            new Dictionary<string, string> { ["reason"] = "The owner is off sick and a post needed taking down" }));
        Assert.Equal(1, await app.CountEventsAsync(urn, "credentials.accessed.v1"));

        page = await head.GetPageAsync(path);
        page = await HtmlPages.ParseAsync(await head.SubmitAsync(page, $"form[action$='/custodians/{slt}/removal']",
            new Dictionary<string, string> { ["reason"] = "reassigned" }));
        Assert.Equal(1, await app.CountEventsAsync(urn, "credentials.custodian-removed.v1"));
        Assert.NotNull(page.QuerySelector("#no-custodians"));

        page = await HtmlPages.ParseAsync(await head.SubmitAsync(page, "form[action$='/closure']",
            DateFields.Date("decommissionedOn", "2026-10-06")));
        Assert.Equal(1, await app.CountEventsAsync(urn, "account.decommissioned.v1"));
        Assert.Equal("Closed", page.QuerySelector("#state")!.TextContent);
        Assert.Null(page.QuerySelector("form[action$='/closure']"));
    }

    [Fact]
    public async Task A_date_left_out_or_impossible_is_asked_for_by_its_field_and_records_nothing()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var urn = arranged.School.Urn;
        var head = await arranged.School.As(Role.Headteacher);
        var page = await head.GetPageAsync($"/schools/{urn}/accounts/{arranged["account"]}");

        var again = await HtmlPages.ParseAsync(await head.SubmitAsync(page, "form[action$='/closure']",
            new Dictionary<string, string>().WithDate("decommissionedOn", "31", "2", "2026")), HttpStatusCode.BadRequest);
        Assert.NotNull(again.QuerySelector(".govuk-error-summary a[href='#decommissionedOn-day']"));
        var rotation = await HtmlPages.ParseAsync(await head.SubmitAsync(again, "form[action$='/rotation']"), HttpStatusCode.BadRequest);
        Assert.NotNull(rotation.QuerySelector(".govuk-error-summary a[href='#rotationReason']"));
        Assert.NotNull(rotation.QuerySelector(".govuk-error-summary a[href='#rotatedOn-day']"));

        Assert.Equal(0, await app.CountEventsAsync(urn, "account.decommissioned.v1"));
        Assert.Equal(0, await app.CountEventsAsync(urn, "credentials.rotated.v1"));
    }

    [Fact]
    public async Task A_refusal_by_the_use_case_comes_back_in_its_words_and_records_nothing()
    {
        // Approval needs the risk assessment first: the decision refuses, the page says why.
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var urn = arranged.School.Urn;
        var head = await arranged.School.As(Role.Headteacher);
        var page = await head.GetPageAsync($"/schools/{urn}/accounts/{arranged["account"]}");

        var refused = await HtmlPages.ParseAsync(await head.SubmitAsync(page, "form[action$='/approval']"), HttpStatusCode.Conflict);

        Assert.Contains("risk assessment before approving", refused.QuerySelector(".govuk-error-summary")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(0, await app.CountEventsAsync(urn, "account.approved.v1"));
    }

    [Fact]
    public async Task A_password_typed_as_the_vault_reference_is_refused_and_nothing_is_lodged()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var urn = arranged.School.Urn;
        var head = await arranged.School.As(Role.Headteacher);
        var page = await head.GetPageAsync($"/schools/{urn}/accounts/{arranged["account"]}");

        var refused = await HtmlPages.ParseAsync(await head.SubmitAsync(page, "form[action$='/custodians']", new Dictionary<string, string>
        {
            ["custodianId"] = arranged.School.People[Role.Slt].ToString(),
            ["vaultReference"] = "The password is Hunter2",
        }), HttpStatusCode.BadRequest);

        Assert.Equal("Secret refused", refused.QuerySelector("h1")?.TextContent);
        Assert.DoesNotContain("Hunter2", refused.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal(0, await app.CountEventsAsync(urn, "credentials.lodged.v1"));
    }

    [Fact]
    public async Task A_teacher_is_refused_the_register_as_a_page_and_a_governor_reads_it_without_forms()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var urn = arranged.School.Urn;
        var teacher = await arranged.School.As(Role.Teacher);

        await teacher.GetPageAsync($"/schools/{urn}/accounts", HttpStatusCode.Forbidden);
        await teacher.GetPageAsync($"/schools/{urn}/accounts/{arranged["account"]}", HttpStatusCode.Forbidden);

        var governor = await arranged.School.As(Role.Governor);
        var page = await governor.GetPageAsync($"/schools/{urn}/accounts/{arranged["account"]}");
        Assert.DoesNotContain(page.QuerySelectorAll("form[method=post]"), f => f.GetAttribute("action")!.Contains("/accounts/", StringComparison.Ordinal));
        var list = await governor.GetPageAsync($"/schools/{urn}/accounts");
        Assert.Null(list.QuerySelector("form[action$='/accounts']"));
    }
}
