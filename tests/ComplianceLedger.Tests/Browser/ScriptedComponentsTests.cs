using System.Text.RegularExpressions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ComplianceLedger.Tests.Browser;

/// <summary>
/// The pages' one script, /assets/init.mjs, bundles only the GOV.UK Frontend components the pages
/// use: in Chromium each still does its part (the skip link's focus, the service navigation's menu
/// button on a phone, the error summary's focus), with no console error.
/// </summary>
[Collection("browser")]
public sealed class ScriptedComponentsTests(Chromium chromium, BrowserApp app)
{
    [Fact]
    public async Task The_bundled_components_focus_the_skip_links_target_open_the_menu_and_focus_the_error_summary()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var page = await chromium.NewPageAsync(app);
        await SignIn.SignInAsAsync(page, school, Role.Teacher);
        await page.WaitForLoadStateAsync(LoadState.Load);
        await Expect(page.Locator("body.govuk-frontend-supported")).ToHaveCountAsync(1);

        // The skip link: without the component the address changes but nothing takes the focus.
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to main content" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        var main = page.Locator("main#main");
        await Expect(main).ToBeFocusedAsync();
        await Expect(main).ToHaveClassAsync(new Regex("govuk-skip-link-focused-element"));

        // The service navigation on a phone: the menu button appears (it is hidden until the component
        // runs) and opens the list.
        await page.SetViewportSizeAsync(PageCheck.Narrow.Width, PageCheck.Narrow.Height);
        var menu = page.GetByRole(AriaRole.Button, new() { Name = "Menu", Exact = true });
        await Expect(menu).ToBeVisibleAsync();
        await Expect(menu).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(page.Locator("#navigation")).ToBeHiddenAsync();
        await menu.ClickAsync();
        await Expect(menu).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "My to-do" })).ToBeVisibleAsync();
        await page.SetViewportSizeAsync(PageCheck.Desktop.Width, PageCheck.Desktop.Height);
        Assert.Empty(Chromium.ErrorsOf(page));

        // The error summary takes the focus when a form comes back with errors.
        await page.GotoAsync($"/schools/{school.Urn}/declarations/new");
        await page.GetByRole(AriaRole.Button, new() { Name = "Declare the relationship" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "There is a problem" })).ToBeVisibleAsync();
        await Expect(page.Locator(".govuk-error-summary")).ToBeFocusedAsync();
        // The page comes back as a 400, which the console reports; no script failed.
        Assert.All(Chromium.ErrorsOf(page), e => Assert.Contains("status of 400", e, StringComparison.Ordinal));
    }
}
