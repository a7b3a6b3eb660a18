using Microsoft.Playwright;
using Xunit.Sdk;

namespace ComplianceLedger.Tests.Browser;

/// <summary>The page checks themselves fail when a page breaks what they check.</summary>
[Collection("browser")]
public sealed class PageCheckTests(Chromium chromium, BrowserApp app)
{
    [Fact]
    public async Task A_serious_axe_violation_fails_the_check_and_names_the_rule_and_the_element()
    {
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync("/sign-in");
        // A button with no name: axe's button-name rule, critical.
        await page.EvaluateAsync("() => document.querySelector('main').append(document.createElement('button'))");

        var failure = await Assert.ThrowsAnyAsync<XunitException>(() => PageCheck.CheckAsync(page, "selftest", "axe"));

        Assert.Contains("button-name (critical)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("button-name (critical): Buttons must have discernible text at button", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Focus_with_no_visible_indicator_fails_the_keyboard_walk()
    {
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync("/sign-in");
        var link = page.GetByRole(AriaRole.Link, new() { Name = "Sign in as a demo person" });
        // Through the CSS object model, which the policy allows: the link's focus outline removed.
        await link.EvaluateAsync("e => { e.style.outline = 'none'; e.style.boxShadow = 'none'; }");

        var failure = await Assert.ThrowsAnyAsync<XunitException>(() => SignIn.TabToAsync(page, link));

        Assert.Contains("sign in as a demo person", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("has focus but no visible outline or box-shadow", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_wider_than_320_pixels_fails_the_check()
    {
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync("/sign-in");
        await page.EvaluateAsync("() => { const p = document.createElement('p'); p.textContent = 'x'.repeat(200); p.className = 'lead'; p.setAttribute('aria-hidden', 'true'); document.querySelector('main').append(p); }");
        // A word with no break point overflows any narrow screen.
        var failure = await Assert.ThrowsAnyAsync<XunitException>(() => PageCheck.CheckAsync(page, "selftest", "wide"));

        Assert.Contains("scrolls sideways at 320 px", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inline_style_the_policy_blocks_fails_the_check()
    {
        var page = await chromium.NewPageAsync(app);
        await page.GotoAsync("/sign-in");
        // An inline <style>, as a careless component might emit: the page's policy refuses it.
        await page.EvaluateAsync("() => { const s = document.createElement('style'); s.textContent = 'main { color: #0b0c0c; }'; document.head.append(s); }");

        var failure = await Assert.ThrowsAnyAsync<XunitException>(() => PageCheck.CheckAsync(page, "selftest", "csp"));

        Assert.Contains("Content-Security-Policy blocked", failure.Message, StringComparison.Ordinal);
    }
}
