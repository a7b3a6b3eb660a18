using System.Net;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Exceptions;

/// <summary>A member of staff declares a relationship and asks for an exception on the pages, and follows them.</summary>
public sealed class StaffRequestPagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    async Task<(string Urn, HttpClient Teacher)> TeacherAsync()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        return (arranged.School.Urn, await arranged.School.As(Role.Teacher));
    }

    [Fact]
    public async Task A_teacher_declares_a_relationship_and_sees_it_await_the_safeguarding_leads_advice()
    {
        var (urn, teacher) = await TeacherAsync();
        var form = await teacher.GetPageAsync($"/schools/{urn}/declarations/new");

        var sent = await teacher.SubmitAsync(form, "form[action$='/declarations']", new Dictionary<string, string>
        {
            ["kind"] = "pupil-family",
            ["description"] = "My nephew Sam is in year 4",
            ["onEntryOf"] = "pupil",
        }.WithDate("enteredOn", "2026-09-03"));

        var mine = await HtmlPages.ParseAsync(sent);
        Assert.Equal($"/schools/{urn}/my-requests", sent.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("designated safeguarding lead will advise", mine.QuerySelector(".govuk-notification-banner--success")!.TextContent, StringComparison.Ordinal);
        var item = Assert.Single(mine.QuerySelectorAll("section.app-request"));
        Assert.Contains("My nephew Sam is in year 4", item.TextContent, StringComparison.Ordinal);
        Assert.Equal("Awaiting advice", item.QuerySelector(".govuk-tag")!.TextContent);
        Assert.Equal(1, await app.CountEventsAsync(urn, "declaration.made.v1"));
    }

    [Fact]
    public async Task A_declaration_left_incomplete_names_each_missing_answer_keeps_what_was_typed_and_records_nothing()
    {
        var (urn, teacher) = await TeacherAsync();
        var form = await teacher.GetPageAsync($"/schools/{urn}/declarations/new");

        var again = await HtmlPages.ParseAsync(await teacher.SubmitAsync(form, "form[action$='/declarations']", new Dictionary<string, string>
        {
            ["description"] = "A friend from university is a parent",
        }.WithDate("enteredOn", "31", "2", "2026")), HttpStatusCode.BadRequest);

        var links = again.QuerySelectorAll(".govuk-error-summary a").Select(a => a.GetAttribute("href") ?? "").ToArray();
        Assert.Equal(["#kind", "#onEntryOf", "#enteredOn-day"], links);
        Assert.Contains("real date", again.QuerySelector("#enteredOn-error")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("A friend from university is a parent", again.QuerySelector("textarea#description")!.TextContent);
        Assert.NotNull(again.QuerySelector("#kind"));
        Assert.Equal(0, await app.CountEventsAsync(urn, "declaration.made.v1"));
    }

    [Fact]
    public async Task A_remote_learning_request_needs_its_risk_assessment_reference_before_it_is_sent()
    {
        var (urn, teacher) = await TeacherAsync();
        var form = await teacher.GetPageAsync($"/schools/{urn}/exceptions/new");
        var fields = new Dictionary<string, string> { ["kind"] = "remote-learning-platform", ["description"] = "Year 6 revision sessions on the school's page" };

        var again = await HtmlPages.ParseAsync(await teacher.SubmitAsync(form, "form[action$='/exceptions']", fields), HttpStatusCode.BadRequest);
        Assert.NotNull(again.QuerySelector(".govuk-error-summary a[href='#riskAssessmentReference']"));
        Assert.Equal(0, await app.CountEventsAsync(urn, "exception.requested.v1"));

        fields["riskAssessmentReference"] = "RA-2026-07";
        var mine = await HtmlPages.ParseAsync(await teacher.SubmitAsync(again, "form[action$='/exceptions']", fields));
        Assert.Contains("RA-2026-07", mine.QuerySelector("section.app-request")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(1, await app.CountEventsAsync(urn, "exception.requested.v1"));
    }

    [Fact]
    public async Task A_teacher_asks_to_extend_with_the_date_typed_day_first_after_being_asked_for_its_year()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, ExceptionArrangements.RequestApproved);
        var (urn, item) = (arranged.School.Urn, arranged["item"]);
        var teacher = await arranged.School.As(Role.Teacher);
        var mine = await teacher.GetPageAsync($"/schools/{urn}/my-requests");
        var until = DateOnly.ParseExact(ExceptionArrangements.Day(60), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var (day, month) = (until.Day.ToString(System.Globalization.CultureInfo.InvariantCulture), until.Month.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var again = await HtmlPages.ParseAsync(await teacher.SubmitAsync(mine, "form[action$='/extension']",
            new Dictionary<string, string> { ["reason"] = "A second trip." }.WithDate("until", day, month, "")), HttpStatusCode.BadRequest);
        var link = Assert.Single(again.QuerySelectorAll(".govuk-error-summary a"));
        Assert.Equal(($"#until-{item}-year", "The date you need it until must include a year"), (link.GetAttribute("href"), link.TextContent));
        Assert.NotNull(again.QuerySelector($"#until-{item}-year.govuk-input--error"));
        Assert.NotNull(again.QuerySelector("details[open] form[action$='/extension']"));
        Assert.Equal(0, await app.CountEventsAsync(urn, "exception.extension-requested.v1"));

        var asked = await HtmlPages.ParseAsync(await teacher.SubmitAsync(again, "form[action$='/extension']",
            new Dictionary<string, string> { ["reason"] = "A second trip." }.WithDate("until", day, month, $"{until.Year}")));
        Assert.Contains($"you asked to extend it to {until.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture)}",
            asked.QuerySelector("section.app-request")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(1, await app.CountEventsAsync(urn, "exception.extension-requested.v1"));
    }

    [Fact]
    public async Task A_teacher_withdraws_their_request_with_a_reason()
    {
        var (urn, teacher) = await TeacherAsync();
        var form = await teacher.GetPageAsync($"/schools/{urn}/exceptions/new");
        var mine = await HtmlPages.ParseAsync(await teacher.SubmitAsync(form, "form[action$='/exceptions']",
            new Dictionary<string, string> { ["kind"] = "staff-blog", ["description"] = "A cookery blog that mentions where I work" }));

        var r = await teacher.SubmitAsync(mine, "form[action$='/withdrawal']");
        var noReason = await HtmlPages.ParseAsync(r, HttpStatusCode.BadRequest);
        Assert.Single(noReason.QuerySelectorAll(".govuk-error-summary a"));
        Assert.NotNull(noReason.QuerySelector("details[open] form[action$='/withdrawal']"));

        var withdrawn = await HtmlPages.ParseAsync(await teacher.SubmitAsync(noReason, "form[action$='/withdrawal']",
            new Dictionary<string, string> { ["reason"] = "I have stopped writing it" }));
        Assert.Equal("Withdrawn", withdrawn.QuerySelector("section.app-request .govuk-tag")!.TextContent);
        Assert.Null(withdrawn.QuerySelector("form[action$='/withdrawal']"));
        Assert.Equal(1, await app.CountEventsAsync(urn, "exception.withdrawn.v1"));
    }

    [Fact]
    public async Task Withdrawing_someone_elses_request_is_refused_in_the_apis_words()
    {
        var (urn, teacher) = await TeacherAsync();
        var form = await teacher.GetPageAsync($"/schools/{urn}/exceptions/new");
        var mine = await HtmlPages.ParseAsync(await teacher.SubmitAsync(form, "form[action$='/exceptions']",
            new Dictionary<string, string> { ["kind"] = "personal-contact", ["description"] = "Texting the football team's parents" }));
        var action = mine.QuerySelector("form[action$='/withdrawal']")!.GetAttribute("action")!;
        var school = await app.SchoolAsync(urn);
        var colleague = await school.As(Role.SupportStaff);
        var colleaguesPage = await colleague.GetPageAsync($"/schools/{urn}/declarations/new");
        var token = colleaguesPage.QuerySelector("form input[name='__RequestVerificationToken']")!.GetAttribute("value")!;

        var refused = await colleague.PostAsync(action, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["reason"] = "Not mine to keep",
        }));

        var page = await HtmlPages.ParseAsync(refused, HttpStatusCode.Forbidden);
        Assert.NotNull(page.QuerySelector(".govuk-error-summary"));
        Assert.Equal(0, await app.CountEventsAsync(urn, "exception.withdrawn.v1"));
    }
}
