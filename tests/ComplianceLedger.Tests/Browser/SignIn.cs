using System.Text.RegularExpressions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ComplianceLedger.Tests.Browser;

/// <summary>
/// The way into the service, through the real pages as a person takes it: the address, the sign-in
/// page, then whoever signs them in, then their home page. The role journeys start with
/// <see cref="SignInThroughProviderAsync(IPage, string, bool, bool)"/>: the OpenID code flow against the app's
/// local provider, as a school's Entra or Google would run it. <see cref="SignInAsAsync"/> takes the
/// development sign-in, for tests where signing in is not the point.
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

    /// <summary>The button on the sign-in page that starts the code flow against the local provider.</summary>
    public const string LocalProviderButton = "Sign in as a demo person (local provider)";

    /// <summary>
    /// Opens the service's address signed out, takes the local OpenID provider from the sign-in
    /// page, chooses <paramref name="person"/> (a name as the provider lists it, or their sign-in
    /// email) on the provider's own page, and follows the code flow back to the app, ending on
    /// their home page. With <paramref name="checkPages"/>, the sign-in page and the provider's page
    /// pass <see cref="PageCheck.CheckAsync"/>; with <paramref name="keyboard"/>, every step is Tab and Enter.
    /// </summary>
    public static async Task SignInThroughProviderAsync(IPage page, string person, bool checkPages = false, bool keyboard = false)
    {
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(EndsWith("/sign-in"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
        if (checkPages)
        {
            await PageCheck.CheckAsync(page, "newcomer", "sign-in");
        }

        await ActivateAsync(page, page.GetByRole(AriaRole.Button, new() { Name = LocalProviderButton, Exact = true }), keyboard);
        // The app's challenge sends the browser to the provider's authorize endpoint, a page of its own.
        await Expect(page).ToHaveURLAsync(new Regex("/local-idp/authorize\\?"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Choose a demo person", Level = 1 })).ToBeVisibleAsync();
        if (checkPages)
        {
            await PageCheck.CheckAsync(page, "newcomer", "choose-demo-person");
        }

        var choose = person.Contains('@', StringComparison.Ordinal)
            ? page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Cell, new() { Name = person, Exact = true }) }).GetByRole(AriaRole.Button)
            : page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {person}", Exact = true });
        await ActivateAsync(page, choose, keyboard);
        // The provider's code comes back to /signin-oidc/local, which signs the person in and sends them
        // home; each role has its own home page (the head's approvals, the governor's dashboard…).
        await Expect(page).ToHaveURLAsync(new Regex("/(schools/[0-9]+/[a-z-]+|trusts/[^/]+)$"));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }

    /// <inheritdoc cref="SignInThroughProviderAsync(IPage, string, bool, bool)"/>
    public static Task SignInThroughProviderAsync(IPage page, TestSchool school, Role role, bool checkPages = false, bool keyboard = false) =>
        SignInThroughProviderAsync(page, PersonName(school, role), checkPages, keyboard);

    static async Task ActivateAsync(IPage page, ILocator target, bool keyboard)
    {
        if (keyboard)
        {
            await TabToAsync(page, target);
            await page.Keyboard.PressAsync("Enter");
        }
        else
        {
            await target.ClickAsync();
        }
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
