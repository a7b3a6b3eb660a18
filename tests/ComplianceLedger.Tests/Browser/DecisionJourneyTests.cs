using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Exceptions;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ComplianceLedger.Tests.Browser;

/// <summary>The DSL advises and the headteacher approves with conditions, in Chromium, each page checked.</summary>
[Collection("browser")]
public sealed class DecisionJourneyTests(Chromium chromium, BrowserApp app)
{
    static async Task SignInAsync(IPage page, TestSchool school, Role role, string home)
    {
        await page.GotoAsync("/dev/sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {SignIn.PersonName(school, role)}", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(SignIn.EndsWith($"/schools/{school.Urn}/{home}"));
    }

    [Fact]
    public async Task The_DSL_advises_on_a_declaration_and_the_head_approves_it_with_conditions_and_a_review_date()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, ExceptionArrangements.Declared);
        var school = arranged.School;

        var dsl = await chromium.NewPageAsync(app);
        await SignInAsync(dsl, school, Role.Dsl, "advice");
        await PageCheck.CheckAsync(dsl, "dsl", "advice");
        await dsl.GetByRole(AriaRole.Link, new() { Name = $"{SignIn.PersonName(school, Role.Teacher)}: record advice" }).ClickAsync();
        await PageCheck.CheckAsync(dsl, "dsl", "item");
        await dsl.GetByLabel("Your advice to the headteacher").FillAsync("Low risk: family contact only.");
        await dsl.GetByRole(AriaRole.Button, new() { Name = "Record advice" }).ClickAsync();
        await Expect(dsl.GetByText("Your advice is recorded.")).ToBeVisibleAsync();

        var head = await chromium.NewPageAsync(app);
        await SignInAsync(head, school, Role.Headteacher, "approvals");
        await PageCheck.CheckAsync(head, "headteacher", "approvals");
        await head.GetByRole(AriaRole.Link, new() { Name = $"{SignIn.PersonName(school, Role.Teacher)}: Family link with a pupil" }).ClickAsync();
        await PageCheck.CheckAsync(head, "headteacher", "item");
        await head.GetByLabel("Conditions", new() { Exact = true }).FillAsync("No direct messaging.");
        await head.GetByLabel("Review date").FillAsync(ExceptionArrangements.Day(100));
        await head.GetByRole(AriaRole.Button, new() { Name = "Approve with these conditions" }).ClickAsync();

        await Expect(head.GetByText("The approval is recorded.", new() { Exact = false })).ToBeVisibleAsync();
        await Expect(head.Locator("#status")).ToHaveTextAsync("Approved");
        await PageCheck.CheckAsync(head, "headteacher", "item-approved");
    }
}
