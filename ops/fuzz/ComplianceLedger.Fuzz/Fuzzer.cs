using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;

namespace ComplianceLedger.Fuzz;

/// <summary>What the fuzzer found wrong, with the request that shows it.</summary>
public sealed record FuzzFailure(long Request, string Operation, string What, string Repro);

/// <summary>
/// The fuzz engine. One request at a time (so every event written is the request's own), over
/// every operation of the OpenAPI document and every form of every page the members reach, each
/// request checked as it is answered; every page read back for live markers from time to time and
/// at the end.
/// </summary>
public sealed class Fuzzer : IDisposable
{
    const int PagesPerSession = 150;
    const int PagesPerShape = 3;

    readonly FuzzOptions options;
    readonly Uri address;
    readonly EventLedger events;
    readonly Func<CancellationToken, Task>? settle;
    readonly Action<string> log;
    readonly Hostile hostile;
    readonly List<Session> sessions;
    readonly IdPool ids;
    readonly HtmlParser parser = new();
    readonly Dictionary<string, PageForm> forms = new(StringComparer.Ordinal);
    readonly FuzzReport report;
    long head;

    /// <param name="settle">Awaited before each sweep of the pages: until the read models hold every event (the app's async projections).</param>
    public Fuzzer(FuzzOptions options, Uri address, IReadOnlyList<FuzzMember> members, EventLedger events, Action<string> log,
        Func<CancellationToken, Task>? settle = null)
    {
        FuzzOptions.RequireLoopback(address);
        this.options = options;
        this.address = address;
        this.events = events;
        this.settle = settle;
        this.log = log;
        hostile = new Hostile(new Random(options.Seed));
        sessions = members.Select(m => new Session(address, m)).ToList();
        ids = new IdPool(members.Select(m => m.PersonId));
        report = new FuzzReport(options.Seed);
    }

    public async Task<FuzzReport> RunAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        log($"fuzz seed {options.Seed} (--seed {options.Seed} reproduces this run): {options.Requests} requests at {address}");
        foreach (var session in sessions)
        {
            if (!await session.SignInAsync(ct))
            {
                throw new InvalidOperationException($"The development sign-in refused {session.Member.Role} {session.Member.PersonId} of {session.Member.Urn}.");
            }
        }
        using (var openApi = await sessions[0].Client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative), ct))
        {
            openApi.EnsureSuccessStatusCode();
            var document = JsonNode.Parse(await openApi.Content.ReadAsStringAsync(ct))!;
            var operations = ApiOperation.Read(document);
            var requests = new ApiRequests(document, hostile, ids);
            head = await events.HeadAsync(ct);
            await SweepAsync(ct);
            log($"{operations.Count} API operations, {forms.Count} page forms from {report.PagesRead} pages");

            var sweepEvery = Math.Max(1, options.Requests / options.Sweeps);
            for (long n = 1; n <= options.Requests; n++)
            {
                if (options.Duration is { } limit && clock.Elapsed > limit)
                {
                    log($"stopped after {clock.Elapsed.TotalMinutes:0.0} minutes (--minutes)");
                    break;
                }
                var targets = operations.Count + forms.Count;
                var pick = hostile.Random.Next(targets);
                FuzzRequest request;
                Session session;
                if (pick < operations.Count)
                {
                    session = sessions[hostile.Random.Next(sessions.Count)];
                    request = requests.Build(operations[pick], session.Member, n);
                }
                else
                {
                    var form = forms.Values.ElementAt(pick - operations.Count);
                    session = sessions[form.Session];
                    request = form.Build(hostile, n);
                }
                if (!session.SignedIn)
                {
                    await session.SignInAsync(ct);
                }
                await SendAsync(session, request, n, ct);
                if (n % sweepEvery == 0 && n < options.Requests)
                {
                    await SweepAsync(ct);
                }
                if (n % 5000 == 0)
                {
                    log($"{n} requests, {clock.Elapsed.TotalMinutes:0.0} min, {report.Failures.Count} failures");
                }
            }
        }
        await SweepAsync(ct);
        report.Elapsed = clock.Elapsed;
        return report;
    }

    /// <summary>Sends one hostile request and checks its answer: never 5xx, problem details in plain words on the API, nothing written when refused.</summary>
    async Task SendAsync(Session session, FuzzRequest request, long n, CancellationToken ct)
    {
        using var message = request.Message();
        int status;
        string? mediaType;
        string content;
        try
        {
            using var response = await session.Client.SendAsync(message, ct);
            status = (int)response.StatusCode;
            mediaType = response.Content.Headers.ContentType?.MediaType;
            content = await response.Content.ReadAsStringAsync(ct);
            if (status < 400 && response.Headers.Location is { } location)
            {
                ids.HarvestPath(location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
        {
            report.Count(request.Operation, 0);
            report.Requests++;
            Fail(n, request, $"no answer: {e.GetType().Name} {e.Message}");
            head = await events.HeadAsync(ct);
            return;
        }
        report.Count(request.Operation, status);
        report.Requests++;

        if (status >= 500)
        {
            Fail(n, request, $"{status} {ProblemWords.Truncate(content)}");
        }
        else if (status is 400 or 414 or 431 && content.Length == 0 && mediaType is null)
        {
            // Kestrel's own limits on the request line and headers (and a NUL in the path, 400 with no
            // body): refused before the app, which has no say in the answer and always answers with a body.
            report.RefusedByServerLimits++;
        }
        else if (status >= 400 && request.IsApi && mediaType != "application/problem+json")
        {
            Fail(n, request, $"{status} as {mediaType ?? "no content"}, not problem details");
        }
        else if (status >= 400 && request.IsApi && ProblemWords.Unspeakable(content, request.Sent()) is { } why)
        {
            Fail(n, request, $"{status} {why}");
        }
        else if (status < 400 && request.MustRefuse)
        {
            Fail(n, request, $"accepted with {status} a body it cannot read");
        }
        if (status == 401)
        {
            // The session ended (the member's roles changed, or it expired): signed in again before its next request.
            await session.SignInAsync(ct);
        }
        if (status < 400 && mediaType is "application/json" && content.Length < 1_000_000)
        {
            try
            {
                ids.Harvest(JsonNode.Parse(content));
            }
            catch (JsonException)
            {
            }
        }

        var now = await events.HeadAsync(ct);
        if (now != head)
        {
            var written = await events.SinceAsync(head, ct);
            var background = written.Count(w => EventLedger.Background(w.Actor));
            report.BackgroundEvents += background;
            var own = written.Where(w => !EventLedger.Background(w.Actor)).ToList();
            if (status >= 400 && own.Count > 0)
            {
                report.EventsFromRejected += own.Count;
                Fail(n, request, $"refused with {status} but wrote {own.Count} event(s): {string.Join(", ", own.Take(5).Select(w => $"{w.Type} by {w.Actor}"))}");
            }
            else if (status < 400)
            {
                report.EventsFromAccepted += own.Count;
            }
            head = written.Count > 0 ? written[^1].Position : now;
        }
    }

    void Fail(long n, FuzzRequest request, string what) =>
        report.Failures.Add(new FuzzFailure(n, request.Operation, what, $"#{n} ({request.Mutation}) {request.Describe(address)}"));

    /// <summary>
    /// Reads every page each member reaches (from their home page, link by link, a few of each
    /// kind), fails on any live marker, and keeps each page's forms as targets.
    /// </summary>
    async Task SweepAsync(CancellationToken ct)
    {
        if (settle is not null)
        {
            await settle(ct);
        }
        report.Sweeps++;
        var found = new Dictionary<string, PageForm>(StringComparer.Ordinal);
        for (var s = 0; s < sessions.Count; s++)
        {
            var session = sessions[s];
            if (!session.SignedIn && !await session.SignInAsync(ct))
            {
                continue;
            }
            var queue = new Queue<string>(["/", "/dev/mail"]);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var shapes = new Dictionary<string, int>(StringComparer.Ordinal);
            var read = 0;
            while (queue.Count > 0 && read < PagesPerSession)
            {
                var url = queue.Dequeue();
                var shape = PageForm.Shape(url) + (url.Contains('?', StringComparison.Ordinal) ? "?" : "");
                if (!seen.Add(url) || shapes.GetValueOrDefault(shape) >= PagesPerShape)
                {
                    continue;
                }
                shapes[shape] = shapes.GetValueOrDefault(shape) + 1;
                var (status, html, location) = await GetPageAsync(session, url, ct);
                if (location is not null && status is >= 300 and < 400)
                {
                    queue.Enqueue(location);
                    continue;
                }
                if (html is null)
                {
                    continue;
                }
                read++;
                report.PagesRead++;
                ids.HarvestPath(url);
                var page = parser.ParseDocument(html);
                foreach (var live in page.QuerySelectorAll($"[{Hostile.MarkerAttribute}]"))
                {
                    var marker = live.GetAttribute(Hostile.MarkerAttribute);
                    report.LiveMarkers++;
                    report.Failures.Add(new FuzzFailure(long.TryParse(marker, out var m) ? m : 0, $"page {PageForm.Shape(url)}",
                        $"live markup from request #{marker}: <{live.LocalName}> rendered on {url} as {session.Member.Role}",
                        $"GET {url}: {ProblemWords.Truncate(live.OuterHtml, 200)}"));
                }
                foreach (var form in PageForm.Read(page, s, url))
                {
                    if (form.Method == "POST" && ids.Guarded(form.Action))
                    {
                        continue;
                    }
                    found.TryAdd($"{s} {form.Name} {form.Action}", form);
                }
                foreach (var link in page.QuerySelectorAll("a[href]"))
                {
                    var href = link.GetAttribute("href")!;
                    if (href.StartsWith('/') && !href.StartsWith("//", StringComparison.Ordinal) && Followable(href))
                    {
                        queue.Enqueue(href.Split('#')[0]);
                    }
                }
            }
        }
        // The freshest forms (their tokens and ids as drawn now), bounded per kind of form so that
        // a thousand fuzzed people's pages do not crowd out every other form.
        forms.Clear();
        foreach (var group in found.Values.GroupBy(f => (f.Session, f.Name)))
        {
            foreach (var form in group.Take(PagesPerShape))
            {
                forms[$"{form.Session} {form.Name} {form.Action}"] = form;
            }
        }
    }

    static bool Followable(string href) =>
        !href.StartsWith("/api/", StringComparison.Ordinal) && !href.StartsWith("/openapi", StringComparison.Ordinal)
        && !href.StartsWith("/scalar", StringComparison.Ordinal) && !href.StartsWith("/health", StringComparison.Ordinal)
        && !href.StartsWith("/dev/sign-in", StringComparison.Ordinal) && !href.Contains("sign-out", StringComparison.Ordinal)
        && !href.StartsWith("/sign-in", StringComparison.Ordinal);

    /// <summary>A page for the sweep; its status is checked as every request's is.</summary>
    async Task<(int Status, string? Html, string? Location)> GetPageAsync(Session session, string url, CancellationToken ct)
    {
        try
        {
            using var response = await session.Client.GetAsync(new Uri(url, UriKind.Relative), ct);
            var status = (int)response.StatusCode;
            report.PageStatuses[status / 100]++;
            if (status >= 500)
            {
                report.Failures.Add(new FuzzFailure(0, $"page {PageForm.Shape(url)}", $"{status} reading the page", $"GET {url} as {session.Member.Role}"));
            }
            var location = response.Headers.Location is { } l ? (l.IsAbsoluteUri ? l.PathAndQuery : l.OriginalString) : null;
            var html = response.Content.Headers.ContentType?.MediaType == "text/html" && status < 400
                ? await response.Content.ReadAsStringAsync(ct)
                : null;
            return (status, html, location);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            report.Failures.Add(new FuzzFailure(0, $"page {PageForm.Shape(url)}", $"no answer: {e.Message}", $"GET {url}"));
            return (0, null, null);
        }
    }

    public void Dispose()
    {
        foreach (var session in sessions)
        {
            session.Dispose();
        }
    }
}

/// <summary>What a run sent and found.</summary>
public sealed class FuzzReport(int seed)
{
    public int Seed { get; } = seed;
    public long Requests { get; internal set; }
    public TimeSpan Elapsed { get; internal set; }
    public int Sweeps { get; internal set; }
    public long PagesRead { get; internal set; }
    public long[] PageStatuses { get; } = new long[6];
    public long EventsFromRejected { get; internal set; }
    public long EventsFromAccepted { get; internal set; }
    public long BackgroundEvents { get; internal set; }
    public long LiveMarkers { get; internal set; }
    public long RefusedByServerLimits { get; internal set; }
    public List<FuzzFailure> Failures { get; } = [];
    public SortedDictionary<string, long[]> ByOperation { get; } = new(StringComparer.Ordinal);

    /// <summary>Requests by status class: [0] no answer, [1]..[5] 1xx..5xx.</summary>
    public long[] ByClass { get; } = new long[6];

    public long ServerErrors => ByClass[5];

    public bool Passed => Failures.Count == 0;

    internal void Count(string operation, int status)
    {
        var kind = Math.Clamp(status / 100, 0, 5);
        ByClass[kind]++;
        if (!ByOperation.TryGetValue(operation, out var counts))
        {
            ByOperation[operation] = counts = new long[6];
        }
        counts[kind]++;
    }

    public string Summary(int failuresShown = 50)
    {
        var text = new StringBuilder();
        text.AppendLine($"seed {Seed}: {Requests} requests in {Elapsed.TotalMinutes:0.0} min ({Requests / Math.Max(1, Elapsed.TotalSeconds):0}/s)");
        text.AppendLine($"  by status: 2xx {ByClass[2]}, 3xx {ByClass[3]}, 4xx {ByClass[4]}, 5xx {ByClass[5]}, no answer {ByClass[0]}; {RefusedByServerLimits} refused by Kestrel's limits (414, 431) before the app");
        text.AppendLine($"  events: {EventsFromAccepted} from accepted requests, {EventsFromRejected} from rejected ones, {BackgroundEvents} from the app's timers");
        text.AppendLine($"  pages: {Sweeps} sweeps, {PagesRead} pages read (2xx {PageStatuses[2]}, 3xx {PageStatuses[3]}, 4xx {PageStatuses[4]}, 5xx {PageStatuses[5]}), {LiveMarkers} live markers");
        text.AppendLine($"  {ByOperation.Count} operations and forms:");
        foreach (var (operation, counts) in ByOperation)
        {
            text.AppendLine($"    {operation,-90} 2xx {counts[2],6} 3xx {counts[3],6} 4xx {counts[4],6} 5xx {counts[5],4}{(counts[0] > 0 ? $" no answer {counts[0]}" : "")}");
        }
        text.AppendLine(Passed ? "PASS: 0 failures" : $"FAIL: {Failures.Count} failures (reproduce with --seed {Seed} --requests {Failures.Max(f => f.Request)})");
        foreach (var failure in Failures.Take(failuresShown))
        {
            text.AppendLine($"  - {failure.Operation}: {failure.What}\n      {failure.Repro}");
        }
        return text.ToString();
    }
}
