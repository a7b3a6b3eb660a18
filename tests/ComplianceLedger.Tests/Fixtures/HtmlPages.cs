using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace ComplianceLedger.Tests.Fixtures;

/// <summary>Pages as a browser without script uses them: read the HTML, fill a form, send it as the form says.</summary>
public static class HtmlPages
{
    public static async Task<IHtmlDocument> ParseAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode} {text}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "text/html", $"Not a page: {response.Content.Headers.ContentType} {text}");
        return new HtmlParser().ParseDocument(text);
    }

    public static async Task<IHtmlDocument> GetPageAsync(this HttpClient client, string path, HttpStatusCode expected = HttpStatusCode.OK) =>
        await ParseAsync(await client.GetAsync(path), expected);

    /// <summary>
    /// Sends the form found by <paramref name="selector"/> (its action, its hidden fields and the
    /// antiforgery token as drawn) with <paramref name="fields"/> filled in, as a browser would.
    /// </summary>
    public static Task<HttpResponseMessage> SubmitAsync(this HttpClient client, IHtmlDocument page, string selector, IDictionary<string, string>? fields = null)
    {
        var form = Assert.IsAssignableFrom<IHtmlFormElement>(page.QuerySelector(selector));
        var values = form.QuerySelectorAll("input[type=hidden]").OfType<IHtmlInputElement>()
            .Select(i => KeyValuePair.Create(i.Name!, i.Value)).ToList();
        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
        {
            Assert.True(form.QuerySelector($"[name='{name}']") is not null, $"The form {selector} has no field {name}.");
            values.RemoveAll(v => v.Key == name);
            values.Add(KeyValuePair.Create(name, value));
        }
        Assert.Equal("post", form.Method, ignoreCase: true);
        return client.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(values));
    }
}
