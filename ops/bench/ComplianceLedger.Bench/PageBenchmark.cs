using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace ComplianceLedger.Bench;

/// <summary>
/// Pages as a signed-in person's browser asks for them: the home page that <c>/</c> leads each
/// role to, timed by the app's own <c>Server-Timing</c> (server time) and by the client, and
/// weighed as HTML plus every stylesheet and script it links, uncompressed (the figure), and
/// gzip-compressed beside it (what a browser is sent). With <c>LEDGER_BENCH_PAGES_HTML</c> set to a
/// folder, each page's HTML is saved there to read.
/// </summary>
sealed partial class PageBenchmark(HttpBenchmark http)
{
    public sealed record PageRun(string Path, double ServerP50Ms, double ServerP95Ms, double ClientP95Ms, int Requests, int NotOk, int HtmlBytes, int AssetBytes,
        int HtmlGzipBytes, int AssetGzipBytes);

    /// <summary>Where <c>/</c> sends this person: their home page.</summary>
    public async Task<string> HomeOfAsync(string cookie, CancellationToken ct)
    {
        using var client = http.Client();
        using var response = await HttpBenchmark.SendAsync(client, HttpMethod.Get, "/", cookie, null, ct);
        return response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found && response.Headers.Location is { } home
            ? home.OriginalString
            : throw new InvalidOperationException($"GET / answered {(int)response.StatusCode}, not a redirect to a home page");
    }

    public async Task<PageRun> MeasureAsync(string path, string cookie, int warmup, int requests, CancellationToken ct)
    {
        using var client = http.Client();
        var server = new List<double>(requests);
        var clientTimes = new List<double>(requests);
        var notOk = 0;
        var html = "";
        for (var i = 0; i < warmup + requests; i++)
        {
            var began = Stopwatch.GetTimestamp();
            using var response = await HttpBenchmark.SendAsync(client, HttpMethod.Get, path, cookie, null, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            var elapsed = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                if (i == 0)
                {
                    throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 500)]}");
                }
                notOk++;
                continue;
            }
            if (i < warmup)
            {
                continue;
            }
            html = body;
            clientTimes.Add(elapsed);
            if (response.Headers.TryGetValues("Server-Timing", out var timings) && Duration().Match(string.Join(",", timings)) is { Success: true } m)
            {
                server.Add(double.Parse(m.Groups["ms"].Value, CultureInfo.InvariantCulture));
            }
        }
        server.Sort();
        clientTimes.Sort();
        var assets = 0;
        var assetsGzip = 0;
        var pending = new Queue<string>(Assets(html));
        var fetched = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var asset))
        {
            if (!fetched.Add(asset))
            {
                continue;
            }
            using var response = await HttpBenchmark.SendAsync(client, HttpMethod.Get, asset, cookie, null, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            assets += Encoding.UTF8.GetByteCount(text);
            assetsGzip += Gzipped(text);
            // A module's own imports are downloaded too.
            foreach (Match import in Import().Matches(text))
            {
                pending.Enqueue(new Uri(new Uri("http://page" + asset), import.Groups["path"].Value).AbsolutePath);
            }
        }
        if (Environment.GetEnvironmentVariable("LEDGER_BENCH_PAGES_HTML") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, path.Trim('/').Replace('/', '_') + ".html"), html, ct);
        }
        return new PageRun(path, Percentile(server, 0.50), Percentile(server, 0.95), Percentile(clientTimes, 0.95), requests, notOk,
            Encoding.UTF8.GetByteCount(html), assets, Gzipped(html), assetsGzip);
    }

    /// <summary>Bytes after gzip at its smallest setting (about <c>gzip -9</c>).</summary>
    static int Gzipped(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }
        return (int)buffer.Length;
    }

    static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)], 2);

    [GeneratedRegex(@"app;dur=(?<ms>[0-9.]+)")]
    private static partial Regex Duration();

    /// <summary>The page's own stylesheets and scripts (same origin): what a first visit downloads.</summary>
    static IEnumerable<string> Assets(string html)
    {
        foreach (Match tag in Tag().Matches(html))
        {
            var text = tag.Value;
            var name = text.StartsWith("<link", StringComparison.OrdinalIgnoreCase) ? "href" : "src";
            if ((name == "src" || text.Contains("stylesheet", StringComparison.OrdinalIgnoreCase))
                && Attribute(name).Match(text) is { Success: true } value && value.Groups["v"].Value.StartsWith('/'))
            {
                yield return WebUtility.HtmlDecode(value.Groups["v"].Value);
            }
        }
    }

    [GeneratedRegex(@"<(?:link|script)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex Tag();

    static Regex Attribute(string name) => new($@"\b{name}=""(?<v>[^""]+)""", RegexOptions.IgnoreCase);

    [GeneratedRegex(@"\bfrom\s*[""'](?<path>\.{1,2}/[^""']+)[""']")]
    private static partial Regex Import();
}
