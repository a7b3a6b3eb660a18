using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Web;

/// <summary>The pages' frame: GOV.UK's template, nothing inline the CSP would block, navigation by role.</summary>
public sealed class PageMarkupTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static void HasNothingInline(IDocument page, string path)
    {
        Assert.True(page.QuerySelectorAll("script:not([src]), style, [style]").Length == 0, $"{path}: inline script or style");
        var handlers = page.All.SelectMany(e => e.Attributes).Where(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)).Select(a => a.Name).ToArray();
        Assert.True(handlers.Length == 0, $"{path}: {string.Join(", ", handlers)}");
    }

    [Fact]
    public async Task The_sign_in_and_to_do_pages_carry_no_inline_script_style_or_handler()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        await app.ProjectionsCaughtUpAsync();
        var teacher = await arranged.School.As(Role.Teacher);

        foreach (var path in new[] { "/sign-in", "/dev/sign-in", $"/schools/{arranged.School.Urn}/to-do" })
        {
            var page = new HtmlParser().ParseDocument(await teacher.GetStringAsync(path));
            HasNothingInline(page, path);
            Assert.Contains("govuk-template", page.DocumentElement.ClassList);
            Assert.Equal("/assets/js-enabled.js", page.Body!.FirstElementChild!.GetAttribute("src"));
            Assert.NotNull(page.QuerySelector("script[type='module'][src='/assets/init.mjs']"));
            Assert.NotNull(page.QuerySelector(".govuk-generic-header a[href='/']"));
            Assert.Null(page.QuerySelector(".govuk-header"));
            Assert.NotNull(page.QuerySelector(".govuk-width-container > main.govuk-main-wrapper#main"));
        }
    }

    [Fact]
    public async Task A_headteacher_is_offered_their_pages_with_the_current_one_marked()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var urn = arranged.School.Urn;
        var head = await arranged.School.As(Role.Headteacher);

        var page = new HtmlParser().ParseDocument(await head.GetStringAsync($"/schools/{urn}/to-do"));

        var links = page.QuerySelectorAll(".govuk-service-navigation a").Select(a => a.GetAttribute("href")).ToArray();
        Assert.Contains($"/schools/{urn}/approvals", links);
        Assert.Contains($"/schools/{urn}/policies", links);
        Assert.DoesNotContain($"/schools/{urn}/advice", links);
        var current = Assert.Single(page.QuerySelectorAll(".govuk-service-navigation [aria-current]"));
        Assert.Equal($"/schools/{urn}/to-do", current.GetAttribute("href"));
        Assert.Equal("page", current.GetAttribute("aria-current"));
        Assert.NotNull(page.QuerySelector("form[method='post'][action='/sign-out'] button"));
    }

    [Fact]
    public async Task A_teacher_on_a_page_outside_the_school_still_has_their_to_do_and_signed_out_people_no_navigation()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var teacher = await arranged.School.As(Role.Teacher);

        var signedIn = new HtmlParser().ParseDocument(await teacher.GetStringAsync("/sign-in"));
        var signedOut = new HtmlParser().ParseDocument(await app.Client().GetStringAsync("/sign-in"));

        Assert.Equal($"/schools/{arranged.School.Urn}/to-do", Assert.Single(signedIn.QuerySelectorAll(".govuk-service-navigation a")).GetAttribute("href"));
        Assert.Null(signedOut.QuerySelector(".govuk-service-navigation"));
        Assert.Null(signedOut.QuerySelector("form[action='/sign-out']"));
    }
}
