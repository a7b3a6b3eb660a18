using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ComplianceLedger.Tests.Browser;

/// <summary>A newcomer opens the service's address in Chromium and signs in, by mouse and by keyboard alone.</summary>
[Collection("browser")]
public sealed class SignInJourneyTests(Chromium chromium, BrowserApp app)
{
    async Task<(TestSchool School, string[] Wanted)> TeacherWithAPolicyToAcknowledgeAsync()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var teacher = await arranged.School.As(Role.Teacher);
        var toDo = await teacher.GetFromJsonAsync<JsonElement>($"/api/schools/{arranged.School.Urn}/me/to-do");
        var wanted = toDo.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("what").GetString()!).ToArray();
        Assert.Contains("Acknowledge Social Media Policy version 1", wanted);
        return (arranged.School, wanted);
    }

    static async Task AssertToDoAsync(IPage page, string[] wanted)
    {
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your to-do", Level = 1 })).ToBeVisibleAsync();
        // The to-do is a table: one row per thing to do, under its header row.
        var shown = await page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Table).Locator("tbody tr").AllInnerTextsAsync();
        Assert.Equal(wanted.Length, shown.Count);
        Assert.All(wanted.Zip(shown), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));
        Assert.Contains(shown, s => s.Contains("Due", StringComparison.Ordinal) || s.Contains("Overdue", StringComparison.Ordinal));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_newcomer_who_opens_the_address_signs_in_as_a_demo_teacher_and_sees_their_to_do()
    {
        var (school, wanted) = await TeacherWithAPolicyToAcknowledgeAsync();
        var page = await chromium.NewPageAsync(app);

        await SignIn.SignInAsAsync(page, school, Role.Teacher, checkPages: true);

        await AssertToDoAsync(page, wanted);
        await PageCheck.CheckAsync(page, "teacher", "to-do");
    }

    [Fact]
    public async Task A_newcomer_signs_in_with_the_keyboard_alone_and_always_sees_where_the_focus_is()
    {
        var (school, wanted) = await TeacherWithAPolicyToAcknowledgeAsync();
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(SignIn.EndsWith("/sign-in"));

        await SignIn.TabToAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Sign in as a demo person" }));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(SignIn.EndsWith("/dev/sign-in"));

        await SignIn.TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {SignIn.PersonName(school, Role.Teacher)}", Exact = true }));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(SignIn.EndsWith(SignIn.HomePath(school)));
        await AssertToDoAsync(page, wanted);

        // The skip link is the first stop on every page, and it shows itself when reached.
        await SignIn.TabToAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Skip to main content" }), most: 1);
        await SignIn.TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }));
    }

    [Fact]
    public async Task A_signed_in_page_prints_to_an_a4_pdf_without_the_sign_out()
    {
        var (school, _) = await TeacherWithAPolicyToAcknowledgeAsync();
        var page = await chromium.NewPageAsync(app);
        await SignIn.SignInAsAsync(page, school, Role.Teacher);

        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeHiddenAsync();
        var pdf = await PageCheck.PrintAsync(page, "teacher-to-do");

        Assert.Equal(1, PageCheck.PdfPageCount(pdf));
        Assert.True(File.Exists(Path.Combine(PageCheck.ScreenshotFolder, "teacher-to-do.pdf")));
    }
}
