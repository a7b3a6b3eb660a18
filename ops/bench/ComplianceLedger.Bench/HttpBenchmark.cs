using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;

namespace ComplianceLedger.Bench;

/// <summary>Requests over real loopback HTTP to an <see cref="ApiHost"/>, each signed in as someone.</summary>
sealed class HttpBenchmark(ApiHost api)
{
    public sealed record AckRun(double PerSecond, long Created, IReadOnlyDictionary<int, long> Refused, double P50Ms, double P99Ms, TimeSpan AppCpu, TimeSpan ServerCpu, TimeSpan ClientCpu, bool Exhausted);

    public sealed record Latencies(double P50Ms, double P95Ms, double P99Ms, double MaxMs, int Requests, int NotOk, int Bytes);

    /// <summary>A client that keeps no cookies and follows no redirects: callers name the person per request.</summary>
    public HttpClient Client() => new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = api.Address,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Signs in through the development sign-in and returns the Cookie header value for that person.</summary>
    public static async Task<string> SignInAsync(HttpClient client, string urn, Guid personId, CancellationToken ct)
    {
        using var response = await client.PostAsync(new Uri("/dev/sign-in", UriKind.Relative), new FormUrlEncodedContent(
            new Dictionary<string, string> { ["urn"] = urn, ["personId"] = personId.ToString() }), ct);
        if (response.StatusCode != HttpStatusCode.Redirect || !response.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            throw new InvalidOperationException($"Sign-in as {personId} at {urn} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
        return string.Join("; ", cookies.Select(c => c.Split(';', 2)[0]));
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string cookie, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add("Cookie", cookie);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return await client.SendAsync(request, ct);
    }

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// One client per queue, each with its own connection, acknowledging
    /// (person, policy) pairs of its own, policy by policy across its people, so no pair is
    /// acknowledged twice. Counts the 201s completed inside [warm-up, warm-up + duration).
    /// </summary>
    public Task<AckRun> AcknowledgeAsync(
        IReadOnlyList<string> urns, IReadOnlyList<string> cookies, IReadOnlyList<string> policies, ConcurrentQueue<(int Person, int Policy)>[] work,
        TimeSpan warmup, TimeSpan duration, CpuMeter meter, CancellationToken ct) =>
        LoadAsync(work.Length, HttpStatusCode.Created, async (k, client) =>
        {
            if (!work[k].TryDequeue(out var pair))
            {
                return null;
            }
            var policyId = policies[pair.Policy];
            var body = new { versionLabel = "1", documentSha256 = Sha256(policyId) };
            return await SendAsync(client, HttpMethod.Post, $"/api/schools/{urns[pair.Person]}/policies/{policyId}/acknowledgements", cookies[pair.Person], body, ct);
        }, warmup, duration, meter);

    /// <summary>
    /// The same clients, each walking its own people (person i is client i % clients's), sending
    /// a GET as that person; counts the 200s inside the window.
    /// </summary>
    public Task<AckRun> GetAsync(
        int clients, Func<int, string> path, IReadOnlyList<string> cookies, TimeSpan warmup, TimeSpan duration, CpuMeter meter, CancellationToken ct)
    {
        var next = new int[clients];
        return LoadAsync(clients, HttpStatusCode.OK, async (k, client) =>
        {
            var person = k + (clients * next[k]++);
            if (person >= cookies.Count)
            {
                next[k] = 1;
                person = k;
            }
            var response = await SendAsync(client, HttpMethod.Get, path(person), cookies[person], null, ct);
            await response.Content.LoadIntoBufferAsync(ct);
            return response;
        }, warmup, duration, meter);
    }

    /// <summary>
    /// <paramref name="clients"/> clients sending one request at a time (null: this client is out of
    /// work); counts the responses with <paramref name="success"/> completed inside the window.
    /// </summary>
    async Task<AckRun> LoadAsync(
        int clients, HttpStatusCode success, Func<int, HttpClient, Task<HttpResponseMessage?>> send, TimeSpan warmup, TimeSpan duration, CpuMeter meter)
    {
        var refused = new ConcurrentDictionary<int, long>();
        var latencies = new ConcurrentBag<double>();
        long created = 0;
        var exhausted = false;
        var clock = Stopwatch.StartNew();
        var windowStart = warmup;
        var windowEnd = warmup + duration;
        var cpuAtStart = default(CpuMeter.Sample);
        var appCpuAtStart = TimeSpan.Zero;
        var startGate = new TaskCompletionSource();
        _ = Task.Run(async () =>
        {
            await Task.Delay(windowStart);
            cpuAtStart = meter.Read();
            appCpuAtStart = api.Cpu;
            startGate.TrySetResult();
        });

        var workers = Enumerable.Range(0, clients).Select(k => Task.Run(async () =>
        {
            using var client = Client();
            while (clock.Elapsed < windowEnd)
            {
                var began = clock.Elapsed;
                using var response = await send(k, client);
                if (response is null)
                {
                    exhausted = true;
                    return;
                }
                var ended = clock.Elapsed;
                var inWindow = ended >= windowStart && ended < windowEnd;
                if (response.StatusCode == success)
                {
                    if (inWindow)
                    {
                        Interlocked.Increment(ref created);
                        latencies.Add((ended - began).TotalMilliseconds);
                    }
                }
                else
                {
                    refused.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                }
            }
        })).ToList();
        await Task.WhenAll(workers);
        await startGate.Task;
        var cpuAtEnd = meter.Read();
        var appCpuAtEnd = api.Cpu;
        var sorted = latencies.Order().ToArray();
        return new AckRun(created / duration.TotalSeconds, created, refused, Percentile(sorted, 0.50), Percentile(sorted, 0.99),
            appCpuAtEnd - appCpuAtStart, cpuAtEnd.Server - cpuAtStart.Server, cpuAtEnd.Client - cpuAtStart.Client, exhausted);
    }

    /// <summary>One client, one request at a time: <paramref name="warmup"/> requests unmeasured, then <paramref name="requests"/> timed.</summary>
    public async Task<Latencies> LatencyAsync(string path, string cookie, int warmup, int requests, CancellationToken ct)
    {
        using var client = Client();
        var times = new List<double>(requests);
        var notOk = 0;
        var bytes = 0;
        for (var i = 0; i < warmup + requests; i++)
        {
            var began = Stopwatch.GetTimestamp();
            using var response = await SendAsync(client, HttpMethod.Get, path, cookie, null, ct);
            var content = await response.Content.ReadAsByteArrayAsync(ct);
            var elapsed = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                if (i == 0)
                {
                    throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(content)}");
                }
                notOk++;
            }
            if (i >= warmup)
            {
                times.Add(elapsed);
                bytes = content.Length;
            }
        }
        times.Sort();
        return new Latencies(Percentile(times, 0.50), Percentile(times, 0.95), Percentile(times, 0.99), Math.Round(times[^1], 2), requests, notOk, bytes);
    }

    static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)], 2);

    public static string Counts(IReadOnlyDictionary<int, long> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(c => c.Key).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Value} x {c.Key}")));
}
