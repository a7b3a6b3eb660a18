using System.Net;
using AngleSharp.Html.Parser;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Web;

/// <summary>The pages' GOV.UK Frontend assets, built by the build: served, and free of GOV.UK's own font, crest and icons.</summary>
public sealed class StaticAssetsTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    [Fact]
    public async Task The_stylesheet_is_served_as_css_with_no_font_of_its_own()
    {
        var response = await app.Client().GetAsync("/assets/app.css");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        var css = await response.Content.ReadAsStringAsync();
        Assert.Contains(".govuk-button", css, StringComparison.Ordinal);
        Assert.Contains("system-ui", css, StringComparison.Ordinal);
        Assert.DoesNotContain("@font-face", css, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("GDS Transport", css, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("govuk-crest", css, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void No_font_crest_or_icon_of_GOV_UK_is_in_the_built_web_root()
    {
        var webRoot = app.Host.Services.GetRequiredService<IWebHostEnvironment>().WebRootPath;
        var files = Directory.GetFiles(webRoot, "*", SearchOption.AllDirectories).Select(f => Path.GetFileName(f)).ToArray();

        Assert.Contains("app.css", files);
        Assert.Contains("init.mjs", files);
        Assert.DoesNotContain("govuk-frontend.min.js", files);
        Assert.DoesNotContain(files, f => f.Contains(".woff", StringComparison.OrdinalIgnoreCase)
            || f.StartsWith("govuk-crest", StringComparison.OrdinalIgnoreCase)
            || f.StartsWith("govuk-icon", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Every_asset_the_layout_links_answers_200()
    {
        var client = app.Client();
        var page = new HtmlParser().ParseDocument(await client.GetStringAsync("/sign-in"));
        var linked = page.QuerySelectorAll("link[href], script[src]")
            .Select(e => e.GetAttribute("href") ?? e.GetAttribute("src")!)
            .ToList();
        Assert.Contains("/assets/app.css", linked);
        Assert.Contains("/assets/js-enabled.js", linked);
        Assert.Contains("/assets/init.mjs", linked);
        foreach (var path in linked)
        {
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }
        // init.mjs is one bundle of the components the pages use: it imports nothing, and it starts each.
        var init = await client.GetStringAsync("/assets/init.mjs");
        Assert.DoesNotContain("import", init, StringComparison.Ordinal);
        foreach (var module in new[] { "govuk-skip-link", "govuk-service-navigation", "govuk-error-summary", "govuk-notification-banner", "govuk-radios", "govuk-checkboxes", "govuk-button" })
        {
            Assert.Contains($"\"{module}\"", init, StringComparison.Ordinal);
        }
    }
}
