using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ComplianceLedger.Tests.Browser;

/// <summary>
/// The office imports the staff list in Chromium: from the people page, the upload, the preview
/// with its error summary linking to the rows, the confirmation, the progress page that refreshes
/// itself and the result; each page passes axe and fits a 320 px screen.
/// </summary>
[Collection("browser")]
public sealed class ImportPageBrowserTests(Chromium chromium, BrowserApp app)
{
    static string FilePath(string name, [CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "..", "Import", "Files", name);

    [Fact]
    public async Task The_office_imports_the_staff_list_from_the_people_page_to_its_result()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var page = await chromium.NewPageAsync(app);
        await SignIn.SignInAsAsync(page, school, Role.Office);
        await page.GotoAsync($"/schools/{school.Urn}/people");
        await page.GetByRole(AriaRole.Link, new() { Name = "import the staff list or a register from a spreadsheet" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Import from a spreadsheet", Level = 1 })).ToBeVisibleAsync();
        await PageCheck.CheckAsync(page, "office", "import");

        // Nothing chosen: the summary says what is missing.
        await page.GetByRole(AriaRole.Button, new() { Name = "Check the file" }).ClickAsync();
        await Expect(page.Locator(".govuk-error-summary")).ToContainTextAsync("Select what the file holds");
        await Expect(page.Locator(".govuk-error-summary")).ToContainTextAsync("Select a CSV or XLSX file");
        await PageCheck.CheckAsync(page, "office", "import-nothing-chosen");

        // A file with errors: each links to its row, and nothing can be imported.
        await page.GetByLabel("Staff list").CheckAsync();
        await page.GetByLabel("The spreadsheet").SetInputFilesAsync(FilePath("staff-errors.csv"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Check the file" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The file has problems", Level = 1 })).ToBeVisibleAsync();
        await PageCheck.CheckAsync(page, "office", "import-errors");
        await page.Locator(".govuk-error-summary").GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Row 4, column start_date") }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("#row-4$"));
        await Expect(page.Locator("#row-4")).ToContainTextAsync("09/13/2020");
        await Expect(page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Import ") })).ToHaveCountAsync(0);

        // The good file: its rows by number, then "Import 4 rows".
        await page.GetByRole(AriaRole.Link, new() { Name = "Choose another file" }).ClickAsync();
        await page.GetByLabel("Staff list").CheckAsync();
        await page.GetByLabel("The spreadsheet").SetInputFilesAsync(FilePath("staff.xlsx"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Check the file" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Check what the file will do", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("tbody tr").First).ToContainTextAsync("will enrol Ana Smith");
        await PageCheck.CheckAsync(page, "office", "import-preview");
        var before = await app.CountEventsAsync(school.Urn);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import 4 rows" }).ClickAsync();

        // The progress page reloads itself until the result.
        await Expect(page).ToHaveURLAsync(new Regex($"/schools/{school.Urn}/import/[0-9a-f-]{{36}}$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Import complete", Level = 1 })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator(".govuk-panel__body")).ToContainTextAsync("4 rows written (8 entries in the ledger)");
        await PageCheck.CheckAsync(page, "office", "import-result");
        Assert.Equal(before + 8, await app.CountEventsAsync(school.Urn));
    }
}
