using System.Text.RegularExpressions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Exceptions;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ComplianceLedger.Tests.Browser;

/// <summary>
/// Each role's main journey in Chromium, signed in through the OpenID sign-in (the app's local
/// provider, its own page and the code flow back) and then the real pages: a teacher acknowledges
/// the policy and declares a relationship, the DSL advises, the headteacher approves with conditions
/// and an end date, a governor sees the dashboard change and prints it, a trust leader drills down.
/// Every page on the way passes the accessibility, reflow and policy checks, with a screenshot.
/// </summary>
[Collection("browser")]
public sealed class RoleJourneyTests(Chromium chromium, BrowserApp app)
{
    async Task<IPage> SignedInAsync(TestSchool school, Role role, bool checkPages = false)
    {
        var page = await chromium.NewPageAsync(app);
        await SignIn.SignInThroughProviderAsync(page, school, role, checkPages);
        return page;
    }

    /// <summary>The dashboard's figures for teachers in the policy's acknowledgements-by-role table.</summary>
    static ILocator TeachersAcknowledged(IPage page) => page.Locator("table.app-by-role tr[data-role='teacher'] td[data-figure='acknowledged']");

    static ILocator TeachersNotYet(IPage page) => page.Locator("table.app-by-role tr[data-role='teacher'] td[data-figure='not-yet']");

    static ILocator Banner(IPage page) => page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Recorded" });

    [Fact]
    public async Task A_declaration_goes_from_the_teacher_through_the_dsl_to_the_headteacher_and_the_governors_see_it()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;

        // A governor first, to see the dashboard change: no teacher has acknowledged the policy yet.
        var before = await SignedInAsync(school, Role.Governor);
        await Expect(before).ToHaveURLAsync(SignIn.EndsWith($"/schools/{school.Urn}/dashboard"));
        await Expect(TeachersAcknowledged(before)).ToHaveTextAsync("0");
        await Expect(TeachersNotYet(before)).ToHaveTextAsync("1");

        // The teacher: acknowledges the policy from their to-do, then declares a relationship.
        var teacher = await SignedInAsync(school, Role.Teacher, checkPages: true);
        await Expect(teacher).ToHaveURLAsync(SignIn.EndsWith(SignIn.HomePath(school)));
        await PageCheck.CheckAsync(teacher, "teacher", "to-do");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Acknowledge Social Media Policy version 1" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Heading, new() { Name = "Social Media Policy", Level = 1 })).ToBeVisibleAsync();
        await PageCheck.CheckAsync(teacher, "teacher", "policy");
        await teacher.GetByLabel(new Regex("I have read version 1")).CheckAsync();
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Confirm acknowledgement" }).ClickAsync();
        await Expect(Banner(teacher)).ToContainTextAsync("acknowledgement is recorded");
        await PageCheck.CheckAsync(teacher, "teacher", "policy-acknowledged");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "View your receipt" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Heading, new() { Name = "Your receipt" })).ToBeVisibleAsync();
        await PageCheck.CheckAsync(teacher, "teacher", "receipt");

        await teacher.GotoAsync($"/schools/{school.Urn}/declarations/new");
        await PageCheck.CheckAsync(teacher, "teacher", "declare");
        await teacher.GetByLabel("A family link with a pupil").CheckAsync();
        await teacher.GetByLabel("Describe the relationship").FillAsync("My nephew Sam is in year 4");
        await teacher.GetByLabel("When the pupil joined the school").CheckAsync();
        await FillDateAsync(teacher, "The date they or you joined", "3", "9", "2026");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Declare the relationship" }).ClickAsync();
        await Expect(Banner(teacher)).ToContainTextAsync("safeguarding lead will advise");
        await PageCheck.CheckAsync(teacher, "teacher", "my-requests");

        // The DSL: the declaration waits for their advice.
        var dsl = await SignedInAsync(school, Role.Dsl);
        await Expect(dsl.GetByRole(AriaRole.Heading, new() { Name = "Awaiting your advice", Level = 1 })).ToBeVisibleAsync();
        await PageCheck.CheckAsync(dsl, "dsl", "advice");
        await dsl.GetByRole(AriaRole.Link, new() { NameRegex = new Regex($"^{SignIn.PersonName(school, Role.Teacher)}") }).ClickAsync();
        await PageCheck.CheckAsync(dsl, "dsl", "item");
        await dsl.GetByLabel(new Regex("^Your advice")).FillAsync("Fine with a second adult present at any contact in school");
        await dsl.GetByRole(AriaRole.Button, new() { Name = "Record advice" }).ClickAsync();
        await Expect(Banner(dsl)).ToBeVisibleAsync();

        // The headteacher: approves it with conditions and a review date.
        var head = await SignedInAsync(school, Role.Headteacher);
        await Expect(head.GetByRole(AriaRole.Heading, new() { Name = "Approvals", Level = 1 })).ToBeVisibleAsync();
        await PageCheck.CheckAsync(head, "headteacher", "approvals");
        await head.GetByRole(AriaRole.Link, new() { NameRegex = new Regex($"^{SignIn.PersonName(school, Role.Teacher)}") }).ClickAsync();
        await PageCheck.CheckAsync(head, "headteacher", "item");
        await head.GetByLabel("Conditions", new() { Exact = true }).FillAsync("No contact through social media");
        await FillDateAsync(head, "Review date", "20", "7", "2027");
        await head.GetByRole(AriaRole.Button, new() { Name = "Approve with these conditions" }).ClickAsync();
        await Expect(Banner(head)).ToBeVisibleAsync();
        await PageCheck.CheckAsync(head, "headteacher", "item-approved");

        // A governor: the dashboard, the relationships register with the approval, printed for the board.
        var governor = await SignedInAsync(school, Role.Governor);
        await Expect(governor).ToHaveURLAsync(SignIn.EndsWith($"/schools/{school.Urn}/dashboard"));
        await Expect(TeachersAcknowledged(governor)).ToHaveTextAsync("1");
        await Expect(TeachersNotYet(governor)).ToHaveTextAsync("0");
        await PageCheck.CheckAsync(governor, "governor", "dashboard");
        var pdf = await PageCheck.PrintAsync(governor, "governor-dashboard");
        Assert.True(PageCheck.PdfPageCount(pdf) is >= 1 and <= 4, $"The dashboard prints on {PageCheck.PdfPageCount(pdf)} A4 pages");
        await governor.GotoAsync($"/schools/{school.Urn}/registers/relationships");
        await Expect(governor.GetByRole(AriaRole.Main)).ToContainTextAsync(SignIn.PersonName(school, Role.Teacher));
        await PageCheck.CheckAsync(governor, "governor", "relationships-register");
        await governor.GotoAsync($"/schools/{school.Urn}/audit-trail");
        await PageCheck.CheckAsync(governor, "governor", "audit-trail");
    }

    [Fact]
    public async Task A_trust_leader_drills_down_from_the_trust_to_a_schools_dashboard_offered_nothing_to_record()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var leader = await SignedInAsync(school, Role.TrustLeader);
        await Expect(leader).ToHaveURLAsync(new Regex("/trusts/[^/]+$"));
        await PageCheck.CheckAsync(leader, "trust-leader", "trust");

        await leader.GetByRole(AriaRole.Link, new() { NameRegex = new Regex(school.Urn) }).First.ClickAsync();
        await Expect(leader).ToHaveURLAsync(new Regex($"/schools/{school.Urn}/dashboard"));
        await PageCheck.CheckAsync(leader, "trust-leader", "school-dashboard");
        // Read-only: the only forms are the as-of (GET) and signing out.
        var methods = await leader.Locator("main form").EvaluateAllAsync<string[]>("fs => fs.map(f => f.method)");
        Assert.All(methods, m => Assert.Equal("get", m));
    }

    [Fact]
    public async Task The_office_and_the_people_pages_pass_the_checks()
    {
        var school = (await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Lodged)).School;
        var office = await SignedInAsync(school, Role.Office);
        await Expect(office).ToHaveURLAsync(SignIn.EndsWith($"/schools/{school.Urn}/accounts"));
        await PageCheck.CheckAsync(office, "office", "accounts");
        await office.GotoAsync($"/schools/{school.Urn}/people");
        await PageCheck.CheckAsync(office, "office", "people");
        await office.GotoAsync($"/schools/{school.Urn}/policies");
        await PageCheck.CheckAsync(office, "office", "policies");

        var teacher = await SignedInAsync(school, Role.Teacher);
        await teacher.GotoAsync($"/schools/{school.Urn}/my-accounts");
        await PageCheck.CheckAsync(teacher, "teacher", "my-accounts");
        await teacher.GotoAsync($"/schools/{school.Urn}/exceptions/new");
        await PageCheck.CheckAsync(teacher, "teacher", "ask-for-an-exception");
    }

    [Fact]
    public async Task The_acknowledgement_and_a_request_can_be_made_with_the_keyboard_alone()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var teacher = await chromium.NewPageAsync(app);
        await SignIn.SignInThroughProviderAsync(teacher, school, Role.Teacher, keyboard: true);

        await SignIn.TabToAsync(teacher, teacher.GetByRole(AriaRole.Link, new() { Name = "Acknowledge Social Media Policy version 1" }));
        await teacher.Keyboard.PressAsync("Enter");
        await teacher.WaitForURLAsync(new Regex("/policies/social-media$"));
        await SignIn.TabToAsync(teacher, teacher.GetByLabel(new Regex("I have read version 1")));
        await teacher.Keyboard.PressAsync("Space");
        await SignIn.TabToAsync(teacher, teacher.GetByRole(AriaRole.Button, new() { Name = "Confirm acknowledgement" }));
        await teacher.Keyboard.PressAsync("Enter");
        await Expect(Banner(teacher)).ToContainTextAsync("acknowledgement is recorded");

        await teacher.GotoAsync($"/schools/{school.Urn}/exceptions/new");
        // A radio group is one stop for Tab; the arrow keys choose within it.
        await SignIn.TabToAsync(teacher, teacher.GetByLabel("Use my personal phone or email for school business"));
        await teacher.Keyboard.PressAsync("ArrowDown");
        await Expect(teacher.GetByLabel("Keep a personal blog or account that names the school")).ToBeCheckedAsync();
        await SignIn.TabToAsync(teacher, teacher.GetByLabel("What would you do, and why?"));
        await teacher.Keyboard.TypeAsync("A cookery blog that says where I work");
        await SignIn.TabToAsync(teacher, teacher.GetByRole(AriaRole.Button, new() { Name = "Send the request" }));
        await teacher.Keyboard.PressAsync("Enter");
        await Expect(Banner(teacher)).ToContainTextAsync("headteacher will decide");
    }

    [Fact]
    public async Task The_headteacher_signs_in_and_approves_a_request_with_conditions_and_an_end_date_with_the_keyboard_alone()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, ExceptionArrangements.Requested);
        var (school, item) = (arranged.School, arranged["item"]);
        var head = await chromium.NewPageAsync(app);
        await SignIn.SignInThroughProviderAsync(head, school, Role.Headteacher, keyboard: true);
        await Expect(head).ToHaveURLAsync(SignIn.EndsWith($"/schools/{school.Urn}/approvals"));
        var before = await app.CountEventsAsync(school.Urn, "exception.approved.v1");

        var queued = head.GetByRole(AriaRole.Link, new() { NameRegex = new Regex($"^{SignIn.PersonName(school, Role.Teacher)}") });
        await SignIn.TabToAsync(head, queued);
        await head.Keyboard.PressAsync("Enter");
        await Expect(head).ToHaveURLAsync(SignIn.EndsWith($"/schools/{school.Urn}/exceptions/{item}"));

        await SignIn.TabToAsync(head, head.GetByLabel("Conditions", new() { Exact = true }));
        await head.Keyboard.TypeAsync("Only on the residential trip, and only to parents");
        // Day first, as a school in England writes it: the three fields take it so whatever the browser's language.
        var endDate = head.GetByRole(AriaRole.Group, new() { Name = "End date" });
        await SignIn.TabToAsync(head, endDate.GetByLabel("Day"));
        var until = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30);
        await TypeDateAsync(head, until);
        await Expect(endDate.GetByLabel("Day")).ToHaveValueAsync(until.Day.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(endDate.GetByLabel("Month")).ToHaveValueAsync(until.Month.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(endDate.GetByLabel("Year")).ToHaveValueAsync(until.Year.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await SignIn.TabToAsync(head, head.GetByRole(AriaRole.Button, new() { Name = "Approve with these conditions" }));
        await head.Keyboard.PressAsync("Enter");

        await Expect(Banner(head)).ToContainTextAsync("approval is recorded");
        Assert.Equal(before + 1, await app.CountEventsAsync(school.Urn, "exception.approved.v1"));
        await Expect(head.Locator("#conditions-given")).ToHaveTextAsync("Only on the residential trip, and only to parents");
        await Expect(head.Locator("#until-given")).ToHaveTextAsync(until.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture));

        await SignIn.TabToAsync(head, head.GetByRole(AriaRole.Link, new() { Name = "Back to approvals" }));
        await head.Keyboard.PressAsync("Enter");
        await Expect(head).ToHaveURLAsync(SignIn.EndsWith($"/schools/{school.Urn}/approvals"));
        await Expect(queued).ToHaveCountAsync(0);
        await Expect(head.Locator("#nothing-waiting")).ToBeVisibleAsync();
    }

    /// <summary>
    /// Types a date into GOV.UK's date input from its focused Day field as a person does: the
    /// day, Tab, the month, Tab, the year (day first, whatever the browser's own language).
    /// </summary>
    static async Task TypeDateAsync(IPage page, DateOnly date)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        await page.Keyboard.TypeAsync(date.Day.ToString(invariant));
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(date.Month.ToString(invariant));
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(date.Year.ToString(invariant));
    }

    /// <summary>Fills the date input whose legend is <paramref name="legend"/>, part by part.</summary>
    static async Task FillDateAsync(IPage page, string legend, string day, string month, string year)
    {
        var date = page.GetByRole(AriaRole.Group, new() { Name = legend });
        await date.GetByLabel("Day").FillAsync(day);
        await date.GetByLabel("Month").FillAsync(month);
        await date.GetByLabel("Year").FillAsync(year);
    }
}
