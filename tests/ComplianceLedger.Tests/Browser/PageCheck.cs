using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace ComplianceLedger.Tests.Browser;

/// <summary>
/// What every page must pass, checked in the browser: axe-core's WCAG 2.2 AA rules with no serious
/// or critical violation, no Content Security Policy error, no horizontal scrolling at 320 px, and
/// screenshots (desktop and narrow) under the test output for a reviewer.
/// </summary>
public static partial class PageCheck
{
    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };

    /// <summary>WCAG 2.1's reflow width (1.4.10): 320 CSS pixels.</summary>
    public static readonly ViewportSize Narrow = new() { Width = 320, Height = 800 };

    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    static readonly string[] WcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

    public static async Task CheckAsync(IPage page, string role, string name)
    {
        await page.WaitForLoadStateAsync(LoadState.Load);
        Directory.CreateDirectory(ScreenshotFolder);

        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. WcagTags] },
        });
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToArray();
        Assert.True(serious.Length == 0, $"{role}-{name} ({page.Url}): axe found\n" + string.Join("\n", serious.Select(v =>
            $"  {v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target.ToString()))}")));

        var original = page.ViewportSize is { } size ? new ViewportSize { Width = size.Width, Height = size.Height } : Desktop;
        try
        {
            await page.SetViewportSizeAsync(Narrow.Width, Narrow.Height);
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, $"{role}-{name}-320.png"), FullPage = true });
            var wide = width <= Narrow.Width ? "" : await page.EvaluateAsync<string>(WidestScript, Narrow.Width);
            Assert.True(width <= Narrow.Width, $"{role}-{name} ({page.Url}) scrolls sideways at {Narrow.Width} px: it is {width} px wide; past the edge: {wide}");
        }
        finally
        {
            await page.SetViewportSizeAsync(original.Width, original.Height);
        }
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, $"{role}-{name}.png"), FullPage = true });

        // Last, so whatever the checks above made the page do is heard too.
        var blocked = Chromium.ErrorsOf(page).Where(e => e.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.True(blocked.Length == 0, $"{role}-{name} ({page.Url}): the Content-Security-Policy blocked\n  " + string.Join("\n  ", blocked));
    }

    // The innermost elements that reach past the narrow screen's edge: what makes the page scroll.
    const string WidestScript = """
        edge => [...document.body.querySelectorAll('*')]
          .filter(e => e.getBoundingClientRect().right > edge + 1 && ![...e.children].some(c => c.getBoundingClientRect().right > edge + 1))
          .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} (${Math.round(e.getBoundingClientRect().right)} px)`).join(', ')
        """;

    /// <summary>Prints the page as the browser's print would, on A4 with backgrounds; saves the PDF beside the screenshots and returns it.</summary>
    public static async Task<byte[]> PrintAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        try
        {
            var pdf = await page.PdfAsync(new() { Path = Path.Combine(ScreenshotFolder, $"{name}.pdf"), Format = "A4", PrintBackground = true });
            Assert.True(pdf.Length > 1000 && pdf.AsSpan(0, 5).SequenceEqual("%PDF-"u8), $"{name}: not a PDF ({pdf.Length} bytes)");
            Assert.True(PdfPageCount(pdf) >= 1, $"{name}: the PDF has no page");
            return pdf;
        }
        finally
        {
            await page.EmulateMediaAsync(new() { Media = Media.Screen });
        }
    }

    /// <summary>The page objects of a PDF as Chromium writes it (uncompressed object dictionaries).</summary>
    public static int PdfPageCount(byte[] pdf) => PageObject().Count(System.Text.Encoding.Latin1.GetString(pdf));

    [GeneratedRegex(@"/Type\s*/Page(?![a-zA-Z])")]
    private static partial Regex PageObject();
}
