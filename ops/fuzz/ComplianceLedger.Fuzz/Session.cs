using System.Net;

namespace ComplianceLedger.Fuzz;

/// <summary>A school member the fuzzer signs in as (the development sign-in), with its role's name for the report.</summary>
public sealed record FuzzMember(string Urn, Guid PersonId, string Role);

/// <summary>One signed-in browser: its own cookies (session and antiforgery), no redirects followed.</summary>
sealed class Session : IDisposable
{
    readonly CookieContainer cookies = new();

    public Session(Uri address, FuzzMember member)
    {
        Member = member;
        Client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = cookies,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // Header values go out as UTF-8 bytes, as a hostile client would send them, not refused by the client.
            RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8,
        })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public FuzzMember Member { get; }

    public HttpClient Client { get; }

    public bool SignedIn { get; private set; }

    public async Task<bool> SignInAsync(CancellationToken ct)
    {
        using var response = await Client.PostAsync(new Uri("/dev/sign-in", UriKind.Relative), new FormUrlEncodedContent(
            new Dictionary<string, string> { ["urn"] = Member.Urn, ["personId"] = Member.PersonId.ToString() }), ct);
        SignedIn = response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.SeeOther or HttpStatusCode.Found;
        return SignedIn;
    }

    public void Dispose() => Client.Dispose();
}
