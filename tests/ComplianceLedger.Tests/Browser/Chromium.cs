using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace ComplianceLedger.Tests.Browser;

/// <summary>
/// Debian's chromium, driven by Playwright: one browser for the whole run, a new context (its own
/// cookies, locale and console log) for each test. Playwright never downloads a browser here; the
/// tests need /usr/bin/chromium as they need the PostgreSQL binaries, and fail (never skip) without it.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    IPlaywright? playwright;
    IBrowser? browser;
    IBrowserContext? last;

    public IBrowser Browser => browser ?? throw new InvalidOperationException("The browser has not started.");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"The browser tests drive Debian's chromium at {ExecutablePath}, which is not installed: " +
                "apt-get install chromium fonts-liberation2 (.ci/run installs both).");
        }
        // Under the whole suite's load a page may take longer than Playwright's 5 s default to show.
        Assertions.SetDefaultExpectTimeout(30_000);
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root in a container: no sandbox, no GPU, and /dev/shm may be small.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh context and page reading <paramref name="app"/>: British English, London time, a desktop viewport.</summary>
    public async Task<IPage> NewPageAsync(BrowserApp app)
    {
        // The collection runs one test at a time, so a new page means the last test is over: its
        // context is closed here rather than left open until the run ends.
        if (last is not null)
        {
            await last.CloseAsync();
        }
        var context = last = await Browser.NewContextAsync(new()
        {
            BaseURL = app.Address.ToString(),
            Locale = "en-GB",
            TimezoneId = "Europe/London",
            ViewportSize = PageCheck.Desktop,
        });
        var log = Logs.GetOrCreateValue(context);
        // From the context's start, so a page's very first load is heard.
        context.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (log)
                {
                    log.Add($"console: {message.Text}");
                }
            }
        };
        context.WebError += (_, error) =>
        {
            lock (log)
            {
                log.Add($"pageerror: {error.Error}");
            }
        };
        // A person reads a page a moment after the last change, when the async projections have
        // caught up; the test host's clients wait the same way (LedgerApp). Redirects are followed at once.
        await context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Method == "GET" && route.Request.ResourceType == "document")
            {
                await app.ProjectionsCaughtUpAsync();
            }
            await route.ContinueAsync();
        });
        return await context.NewPageAsync();
    }

    static readonly ConditionalWeakTable<IBrowserContext, List<string>> Logs = [];

    /// <summary>The console errors and uncaught page errors of the page's context so far.</summary>
    public static IReadOnlyList<string> ErrorsOf(IPage page)
    {
        var log = Logs.GetOrCreateValue(page.Context);
        lock (log)
        {
            return [.. log];
        }
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }
        playwright?.Dispose();
    }
}

/// <summary>Browser tests run one at a time: the machine has two cores, and PostgreSQL and the app share them.</summary>
[CollectionDefinition("browser")]
public sealed class BrowserTests : ICollectionFixture<Chromium>, ICollectionFixture<BrowserApp>;
