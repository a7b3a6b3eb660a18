using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.People;

/// <summary>The office keeps the school's people on pages: enrol, roles, leave and return, leaving, through the people use cases.</summary>
public sealed class PeoplePagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    async Task<TestSchool> SchoolAsync() =>
        (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;

    /// <summary>Sends a form as a browser would, with fields that repeat (ticked boxes under one name).</summary>
    static Task<HttpResponseMessage> SendAsync(HttpClient client, IHtmlDocument page, string selector, params (string Name, string Value)[] fields)
    {
        var form = Assert.IsAssignableFrom<IHtmlFormElement>(page.QuerySelector(selector));
        var values = form.QuerySelectorAll("input[type=hidden]").OfType<IHtmlInputElement>().Select(i => KeyValuePair.Create(i.Name!, i.Value)).ToList();
        foreach (var (name, value) in fields)
        {
            Assert.True(form.QuerySelector($"[name='{name}']") is not null, $"The form {selector} has no field {name}.");
            values.Add(KeyValuePair.Create(name, value));
        }
        return client.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(values));
    }

    [Fact]
    public async Task The_office_enrols_someone_with_two_roles_and_their_name_is_sealed_in_the_ledger()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        var page = await office.GetPageAsync($"/schools/{school.Urn}/people");

        var done = await SendAsync(office, page, "form[action$='/people']",
            ("name", "Ms Priya Okonkwo-Hale"), ("roles", "teacher"), ("roles", "slt"), ("startedOnDay", "1"), ("startedOnMonth", "9"), ("startedOnYear", "2026"));

        var after = await HtmlPages.ParseAsync(done);
        Assert.NotNull(after.QuerySelector(".govuk-notification-banner--success"));
        Assert.Equal(1, await app.CountEventsAsync(school.Urn, "person.enrolled.v1") - school.People.Count);
        var row = Assert.Single(after.QuerySelectorAll("#people tbody tr"), r => r.TextContent.Contains("Ms Priya Okonkwo-Hale", StringComparison.Ordinal));
        Assert.Contains("Senior leadership team, Teacher", row.TextContent.Replace("Teacher, Senior leadership team", "Senior leadership team, Teacher", StringComparison.Ordinal),
            StringComparison.Ordinal);

        await using var command = app.AppDataSource.CreateCommand("SELECT count(*) FROM ledger.events WHERE tenant = $1 AND data::text LIKE '%Okonkwo%'");
        command.Parameters.AddWithValue(school.Urn);
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task An_enrolment_without_name_roles_or_date_is_asked_for_field_by_field_and_records_nothing()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        var before = await app.CountEventsAsync(school.Urn, "person.enrolled.v1");
        var page = await office.GetPageAsync($"/schools/{school.Urn}/people");

        var again = await HtmlPages.ParseAsync(await SendAsync(office, page, "form[action$='/people']", ("startedOnDay", "31"), ("startedOnMonth", "2"), ("startedOnYear", "2026")), HttpStatusCode.BadRequest);

        foreach (var field in new[] { "name", "roles", "startedOn" })
        {
            // A date's error links to its first wrong part (GOV.UK's date input).
            var link = field is "startedOn" or "effectiveFrom" ? $"{field}-day" : field;
            Assert.NotNull(again.QuerySelector($".govuk-error-summary a[href='#{link}']"));
            Assert.NotNull(again.QuerySelector($"#{field}"));
            Assert.NotNull(again.QuerySelector($"#{field}-error"));
        }
        Assert.Equal(before, await app.CountEventsAsync(school.Urn, "person.enrolled.v1"));
    }

    [Fact]
    public async Task The_office_changes_roles_records_leave_and_return_and_then_leaving()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        var path = $"/schools/{school.Urn}/people/{school.People[Role.Volunteer]}";

        var page = await office.GetPageAsync(path);
        page = await HtmlPages.ParseAsync(await SendAsync(office, page, "form[action$='/roles']",
            ("roles", "governor"), ("roles", "volunteer"), ("effectiveOnDay", "1"), ("effectiveOnMonth", "9"), ("effectiveOnYear", "2026")));
        Assert.Equal(1, await app.CountEventsAsync(school.Urn, "person.roles-changed.v1"));
        Assert.Contains("Governor", page.QuerySelector("#roles-now")!.TextContent, StringComparison.Ordinal);

        page = await HtmlPages.ParseAsync(await SendAsync(office, page, "form[action$='/leave']", ("kind", "sickness"), ("fromDay", "1"), ("fromMonth", "10"), ("fromYear", "2026")));
        Assert.Equal(1, await app.CountEventsAsync(school.Urn, "person.leave-started.v1"));
        Assert.Contains("from 1 October 2026", page.QuerySelector("#status")!.TextContent, StringComparison.Ordinal);
        Assert.Null(page.QuerySelector("form[action$='/leave']"));

        page = await HtmlPages.ParseAsync(await SendAsync(office, page, "form[action$='/return']", ("onDay", "20"), ("onMonth", "10"), ("onYear", "2026")));
        Assert.Equal(1, await app.CountEventsAsync(school.Urn, "person.returned-from-leave.v1"));

        page = await HtmlPages.ParseAsync(await SendAsync(office, page, "form[action$='/leaving']", ("leftOnDay", "1"), ("leftOnMonth", "11"), ("leftOnYear", "2026")));
        Assert.Equal(1, await app.CountEventsAsync(school.Urn, "person.left.v1"));
        Assert.Null(page.QuerySelector("form[action$='/leaving']"));
    }

    [Fact]
    public async Task A_return_before_the_leave_began_is_refused_in_the_use_cases_words()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        var path = $"/schools/{school.Urn}/people/{school.People[Role.Teacher]}";
        var page = await HtmlPages.ParseAsync(await SendAsync(office, await office.GetPageAsync(path), "form[action$='/leave']",
            ("kind", "maternity"), ("fromDay", "1"), ("fromMonth", "10"), ("fromYear", "2026")));

        var refused = await HtmlPages.ParseAsync(await SendAsync(office, page, "form[action$='/return']", ("onDay", "1"), ("onMonth", "9"), ("onYear", "2026")), HttpStatusCode.BadRequest);

        Assert.Contains("on or after the first day of the leave", refused.QuerySelector(".govuk-error-summary")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(0, await app.CountEventsAsync(school.Urn, "person.returned-from-leave.v1"));
    }

    [Fact]
    public async Task A_teacher_is_refused_the_people_pages_but_reads_their_own_record_without_forms()
    {
        var school = await SchoolAsync();
        var teacher = await school.As(Role.Teacher);

        await teacher.GetPageAsync($"/schools/{school.Urn}/people", HttpStatusCode.Forbidden);
        await teacher.GetPageAsync($"/schools/{school.Urn}/people/{school.People[Role.Office]}", HttpStatusCode.Forbidden);
        var own = await teacher.GetPageAsync($"/schools/{school.Urn}/people/{school.People[Role.Teacher]}");
        Assert.Null(own.QuerySelector("main form[method=post]"));
        // With a good token (from a form of their own), the role is what refuses them.
        var declare = await teacher.GetPageAsync($"/schools/{school.Urn}/declarations/new");
        var fields = declare.QuerySelectorAll("main input[type=hidden]").OfType<IHtmlInputElement>().ToDictionary(i => i.Name!, i => i.Value);
        (fields["leftOnDay"], fields["leftOnMonth"], fields["leftOnYear"]) = ("1", "11", "2026");
        var refused = await teacher.PostAsync($"/schools/{school.Urn}/people/{school.People[Role.Teacher]}/leaving", new FormUrlEncodedContent(fields));
        await HtmlPages.ParseAsync(refused, HttpStatusCode.Forbidden);
        Assert.Equal(0, await app.CountEventsAsync(school.Urn, "person.left.v1"));
    }

    [Fact]
    public async Task The_office_enrols_someone_with_a_sign_in_email_which_their_page_shows_to_the_office_and_only_as_set_to_them()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        var page = await office.GetPageAsync($"/schools/{school.Urn}/people");
        Assert.Contains("for example their school Microsoft or Google account", page.QuerySelector("#email-hint")!.TextContent, StringComparison.Ordinal);

        var done = await HtmlPages.ParseAsync(await SendAsync(office, page, "form[action$='/people']",
            ("name", "Mr Tomasz Wójcik"), ("roles", "teacher"), ("startedOnDay", "1"), ("startedOnMonth", "9"), ("startedOnYear", "2026"), ("email", $" T.Wojcik.{school.Urn}@Test.sch.uk ")));

        Assert.Equal(1, await app.CountEventsAsync(school.Urn, "person.sign-in-email-set.v1"));
        var link = done.QuerySelectorAll("#people tbody a").Single(a => a.TextContent == "Mr Tomasz Wójcik").GetAttribute("href")!;
        var person = await office.GetPageAsync(link);
        Assert.Equal($"t.wojcik.{school.Urn}@test.sch.uk", person.QuerySelector("#sign-in-email")!.TextContent.Trim());
        Assert.Equal($"t.wojcik.{school.Urn}@test.sch.uk", person.QuerySelector<IHtmlInputElement>("form[action$='/sign-in-email'] #email")!.Value);
        // A governor reads the record, and learns only that an address is set.
        var governor = await (await school.As(Role.Governor)).GetPageAsync(link);
        Assert.Equal("Set", governor.QuerySelector("#sign-in-email")!.TextContent.Trim());
        Assert.DoesNotContain("wojcik", governor.DocumentElement.OuterHtml, StringComparison.OrdinalIgnoreCase);
        Assert.Null(governor.QuerySelector("form[action$='/sign-in-email']"));
    }

    [Fact]
    public async Task An_enrolment_whose_email_is_not_an_address_is_asked_for_again_with_what_was_typed_and_records_nothing()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        var before = await app.CountEventsAsync(school.Urn);
        var page = await office.GetPageAsync($"/schools/{school.Urn}/people");

        var again = await HtmlPages.ParseAsync(await SendAsync(office, page, "form[action$='/people']",
            ("name", "Ms Ada Byron"), ("roles", "teacher"), ("startedOnDay", "1"), ("startedOnMonth", "9"), ("startedOnYear", "2026"), ("email", "ada at school")), HttpStatusCode.BadRequest);

        Assert.Equal("Enter an email address in the correct format, like a.teacher@school.sch.uk",
            again.QuerySelector(".govuk-error-summary a[href='#email']")!.TextContent.Trim());
        Assert.NotNull(again.QuerySelector(".govuk-form-group--error #email-error"));
        Assert.Equal("ada at school", again.QuerySelector<IHtmlInputElement>("#email")!.Value);
        Assert.Equal("Ms Ada Byron", again.QuerySelector<IHtmlInputElement>("#name")!.Value);
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
    }

    [Fact]
    public async Task The_office_sets_and_changes_a_sign_in_email_on_the_person_page_and_a_taken_one_is_refused_in_the_use_cases_words()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        var path = $"/schools/{school.Urn}/people/{school.People[Role.Teacher]}";
        var page = await office.GetPageAsync(path);
        Assert.StartsWith("Not set", page.QuerySelector("#sign-in-email")!.TextContent.Trim(), StringComparison.Ordinal);

        page = await HtmlPages.ParseAsync(await SendAsync(office, page, "form[action$='/sign-in-email']", ("email", $"teach.{school.Urn}@test.sch.uk")));
        Assert.NotNull(page.QuerySelector(".govuk-notification-banner--success"));
        Assert.Equal($"teach.{school.Urn}@test.sch.uk", page.QuerySelector("#sign-in-email")!.TextContent.Trim());
        page = await HtmlPages.ParseAsync(await SendAsync(office, page, "form[action$='/sign-in-email']", ("email", $"t.{school.Urn}@test.sch.uk")));
        Assert.Equal($"t.{school.Urn}@test.sch.uk", page.QuerySelector("#sign-in-email")!.TextContent.Trim());
        Assert.Equal(2, await app.CountEventsAsync(school.Urn, "person.sign-in-email-set.v1"));

        // The volunteer may not have the teacher's; an empty field is asked for.
        var volunteer = await office.GetPageAsync($"/schools/{school.Urn}/people/{school.People[Role.Volunteer]}");
        var refused = await HtmlPages.ParseAsync(await SendAsync(office, volunteer, "form[action$='/sign-in-email']", ("email", $"T.{school.Urn}@test.sch.uk")),
            HttpStatusCode.Conflict);
        Assert.Contains("Another person at this school already signs in with that email.", refused.QuerySelector(".govuk-error-summary")!.TextContent,
            StringComparison.Ordinal);
        var empty = await HtmlPages.ParseAsync(await SendAsync(office, volunteer, "form[action$='/sign-in-email']", ("email", " ")), HttpStatusCode.BadRequest);
        Assert.NotNull(empty.QuerySelector(".govuk-error-summary a[href='#email']"));
        Assert.Equal(2, await app.CountEventsAsync(school.Urn, "person.sign-in-email-set.v1"));
    }
}
