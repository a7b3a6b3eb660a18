using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ComplianceLedger.Chaos;

/// <summary>Someone signed in at a school, by the Cookie header their sign-in set.</summary>
sealed class Member(string urn, Guid id, string role)
{
    public string Urn { get; } = urn;
    public Guid Id { get; } = id;
    public string Role { get; } = role;
    public string Cookie { get; set; } = "";
}

/// <summary>What a command's 2xx answer says it wrote (the API's CommandResult).</summary>
public sealed record CommandResult(string StreamId, long Version, IReadOnlyList<long> Positions, bool Replayed);

/// <summary>One command as sent: the person, the operation and its Idempotency-Key.</summary>
public sealed record SentCommand(string Urn, Guid By, string What, string Path, string Body, string Key);

/// <summary>The answer a command finally got, after however many attempts without one.</summary>
public sealed record Answer(SentCommand Command, int Status, CommandResult? Result, bool ReplayedHeader, int Attempts, string? Problem)
{
    public bool Acknowledged => Status is >= 200 and < 300 && Result is not null;
}

/// <summary>How often the clients went without an answer, and why.</summary>
public sealed class Counters
{
    long retries, connectionFailures, timeouts, serverErrors, signInsAgain;

    public long Retries => Interlocked.Read(ref retries);
    public long ConnectionFailures => Interlocked.Read(ref connectionFailures);
    public long Timeouts => Interlocked.Read(ref timeouts);
    public long ServerErrors => Interlocked.Read(ref serverErrors);
    public long SignInsAgain => Interlocked.Read(ref signInsAgain);

    internal void ConnectionFailed() { Interlocked.Increment(ref connectionFailures); Interlocked.Increment(ref retries); }
    internal void TimedOut() { Interlocked.Increment(ref timeouts); Interlocked.Increment(ref retries); }
    internal void ServerError() { Interlocked.Increment(ref serverErrors); Interlocked.Increment(ref retries); }
    internal void SignedInAgain() { Interlocked.Increment(ref signInsAgain); Interlocked.Increment(ref retries); }
}

/// <summary>
/// A client that, like a careful browser or integration, sends a command with an Idempotency-Key
/// and, while it gets no answer (connection refused or reset, time-out, 5xx while the app or
/// PostgreSQL is down), sends the very same request with the same key again until it does.
/// </summary>
sealed class LedgerClient : IDisposable
{
    static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    readonly HttpClient http;
    readonly Counters counters;

    public LedgerClient(Uri address, Counters counters)
    {
        this.counters = counters;
        http = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    public async Task SignInAsync(Member member, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                using var response = await http.PostAsync(new Uri("/dev/sign-in", UriKind.Relative), new FormUrlEncodedContent(
                    new Dictionary<string, string> { ["urn"] = member.Urn, ["personId"] = member.Id.ToString() }), ct);
                if (response.StatusCode == HttpStatusCode.Redirect && response.Headers.TryGetValues("Set-Cookie", out var cookies))
                {
                    member.Cookie = string.Join("; ", cookies.Select(c => c.Split(';', 2)[0]));
                    return;
                }
                if ((int)response.StatusCode < 500)
                {
                    throw new InvalidOperationException($"Sign-in as {member.Id} at {member.Urn} refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
                counters.ServerError();
            }
            catch (HttpRequestException)
            {
                counters.ConnectionFailed();
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                counters.TimedOut();
            }
            await Task.Delay(150, ct);
        }
    }

    /// <summary>Sends until answered; a 401 (the session lapsed) signs in again and retries, as a person would.</summary>
    public async Task<Answer> SendAsync(Member by, string what, string path, string body, CancellationToken ct)
    {
        var command = new SentCommand(by.Urn, by.Id, what, path, body, Guid.CreateVersion7().ToString());
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("Cookie", by.Cookie);
                request.Headers.Add("Idempotency-Key", command.Key);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                using var response = await http.SendAsync(request, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                var status = (int)response.StatusCode;
                if (status >= 500)
                {
                    counters.ServerError();
                }
                else if (status == 401)
                {
                    counters.SignedInAgain();
                    await SignInAsync(by, ct);
                    continue;
                }
                else if (status is >= 200 and < 300)
                {
                    var result = JsonSerializer.Deserialize<CommandResult>(text, Web);
                    return new Answer(command, status, result, response.Headers.Contains("Idempotent-Replayed"), attempt, result is null ? text : null);
                }
                else
                {
                    return new Answer(command, status, null, false, attempt, text);
                }
            }
            catch (HttpRequestException)
            {
                counters.ConnectionFailed();
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                counters.TimedOut();
            }
            await Task.Delay(100 + Random.Shared.Next(100), ct);
        }
    }

    /// <summary>A GET as <paramref name="by"/> that must answer 200 (after the faults: no retries expected, a few allowed).</summary>
    public async Task<JsonElement> GetAsync(Member by, string path, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            if (by.Cookie.Length > 0)
            {
                request.Headers.Add("Cookie", by.Cookie);
            }
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }
            if (attempt >= 5 || (int)response.StatusCode < 500)
            {
                throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {text}");
            }
            await Task.Delay(500, ct);
        }
    }

    public void Dispose() => http.Dispose();
}
