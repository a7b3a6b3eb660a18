using System.Text.RegularExpressions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ComplianceLedger.Tests.Browser;

/// <summary>
/// The way into the service, through the real pages as a person takes it: the address, the sign-in
/// page, then whoever signs them in (today the demo sign-in; the OpenID provider's chooser when it
/// lands, here and nowhere else), then their home page. Journeys start with <see cref="SignInAsAsync"/>.
/// </summary>
public static partial class SignIn
{
    /// <summary>The name <see cref="LedgerApp.SchoolAsync"/> gives the person enrolled in that role.</summary>
    public static string PersonName(TestSchool school, Role role) => $"{role} of {school.Urn}";

    /// <summary>The role as screenshots name it: <c>ChairOfGovernors</c> → <c>chair-of-governors</c>.</summary>
    public static string Slug(Role role) => WordStart().Replace(role.ToString(), "-$1").ToLowerInvariant();

    public static string HomePath(TestSchool school) => $"/schools/{school.Urn}/to-do";

    /// <summary>
    /// Opens the service's address signed out and signs in as the school's person in that role,
    /// ending on their home page. With <paramref name="checkPages"/>, each page on the way passes
    /// <see cref="PageCheck.CheckAsync"/>.
    /// </summary>
    public static async Task SignInAsAsync(IPage page, TestSchool school, Role role, bool checkPages = false)
    {
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(EndsWith("/sign-in"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
        if (checkPages)
        {
            await PageCheck.CheckAsync(page, "newcomer", "sign-in");
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in as a demo person" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(EndsWith("/dev/sign-in"));
        if (checkPages)
        {
            await PageCheck.CheckAsync(page, "newcomer", "demo-sign-in");
        }

        await page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {PersonName(school, role)}", Exact = true }).ClickAsync();
        // Each role has its own home page (the head's approvals, the governor's dashboard…).
        await Expect(page).ToHaveURLAsync(new Regex($"/(schools/{school.Urn}/|trusts/)"));
    }

    public static Regex EndsWith(string path) => new($"{Regex.Escape(path)}$");

    /// <summary>
    /// Presses Tab until <paramref name="target"/> has focus, failing if it never does or if any
    /// element on the way shows no visible focus indicator (WCAG 2.4.7).
    /// </summary>
    public static async Task TabToAsync(IPage page, ILocator target, int most = 500)
    {
        // A key pressed while a page is still arriving lands on the page that is leaving.
        await page.WaitForLoadStateAsync(LoadState.Load);
        for (var presses = 1; presses <= most; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focus = await page.EvaluateAsync<FocusSeen?>(FocusScript);
            Assert.True(focus is not null, $"Tab {presses} on {page.Url} left focus nowhere");
            Assert.True(focus.Indicated, $"Tab {presses} on {page.Url}: {focus.What} has focus but no visible outline or box-shadow");
            Assert.True(focus.OnScreen, $"Tab {presses} on {page.Url}: {focus.What} has focus off screen");
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement"))
            {
                return;
            }
        }
        Assert.Fail($"{most} presses of Tab on {page.Url} never reached {target}");
    }

    public sealed class FocusSeen
    {
        public string What { get; set; } = "";

        public bool Indicated { get; set; }

        public bool OnScreen { get; set; }
    }

    // An outline or a box-shadow that is drawn, on an element inside the viewport.
    const string FocusScript = """
        () => {
          const e = document.activeElement;
          if (!e || e === document.body) return null;
          const s = getComputedStyle(e);
          const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
          const shadow = s.boxShadow !== '' && s.boxShadow !== 'none';
          const r = e.getBoundingClientRect();
          const onScreen = r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight;
          const name = (e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 80);
          return { what: `${e.tagName.toLowerCase()} "${name}"`, indicated: outline || shadow, onScreen };
        }
        """;

    [GeneratedRegex("(?<!^)([A-Z])")]
    private static partial Regex WordStart();
}
