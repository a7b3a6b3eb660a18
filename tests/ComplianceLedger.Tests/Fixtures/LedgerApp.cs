using System.Security.Cryptography;
using Alba;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.EventStore.Projections.Daemon;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Fixtures;

/// <summary>
/// The real application, hosted by Alba (its TestServer: real HTTP requests through the whole
/// pipeline, no socket), on a fresh migrated database. New tests write
/// <c>await app.Host.Scenario(s => { s.SignedIn(cookie); s.Post.RawJson(body).ToUrl(url); s.StatusCodeShouldBe(201); })</c>
/// with a cookie from <see cref="SessionCookieAsync"/> (IdempotencyKeyTests shows the pattern); a
/// scenario goes straight to the app, so one that reads an async projection awaits
/// <see cref="ProjectionsCaughtUpAsync"/> first. <see cref="Client"/> and <see cref="ClientFor"/>
/// give HttpClients on the same host.
/// </summary>
public class LedgerApp : LedgerDatabase
{
    IAlbaHost? host;
    readonly Lock hostStart = new();
    WebApplicationFactory<Program>? loopback;

    public string SigningKeyPem { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem();

    /// <summary>The sign-in email index's key (SignIn:EmailIndexKey), base64.</summary>
    public string EmailIndexKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The app under test, started on first use.</summary>
    public IAlbaHost Host
    {
        get
        {
            // Asked for by parallel requests: one host starts, never a second that would leak.
            lock (hostStart)
            {
                return host ??= Start();
            }
        }
    }

    public IServiceProvider Services => Host.Services;

    /// <summary>Another node of the app on the same database (e.g. to contend for the projection daemon); the caller disposes it.</summary>
    public IAlbaHost StartAnotherInstance(Action<IWebHostBuilder>? configure = null) => Start(configure);

    // No extensions are given, so For completes without waiting on anything.
    IAlbaHost Start(Action<IWebHostBuilder>? configure = null) =>
        AlbaHost.For<Program>(web => Configure(web, configure)).GetAwaiter().GetResult();

    void Configure(IWebHostBuilder web, Action<IWebHostBuilder>? configure)
    {
        web.UseEnvironment("Development");
        web.UseSetting("ConnectionStrings:Ledger", AppConnectionString);
        // No admin connection: the fixture migrated under the catalog lock, and a second,
        // unlocked migration at app start can race other classes' catalog changes.
        web.UseSetting("Ledger:Signing:PrivateKeyPem", SigningKeyPem);
        web.UseSetting("SignIn:EmailIndexKey", EmailIndexKey);
        // Test-only: .NET's cookie container sends no Secure cookie over http (docs/api.md, "Sign-in").
        web.UseSetting("SignIn:Cookies:Secure", "false");
        // Tests sign in hundreds of times a minute; SignInRateLimitTests sets its own limit.
        web.UseSetting("SignIn:RateLimit:PermitPerMinute", "1000000");
        // The local provider at the test server's address; the app's OIDC client reaches it in memory.
        web.UseSetting("SignIn:Local:Enabled", "true");
        web.UseSetting("SignIn:Local:Authority", "http://localhost/local-idp/");
        web.ConfigureServices(services => services.AddOptions<Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectOptions>("oidc-local")
            .Configure<Microsoft.AspNetCore.Hosting.Server.IServer>((options, server) =>
            {
                if (server is Microsoft.AspNetCore.TestHost.TestServer test)
                {
                    options.BackchannelHttpHandler = test.CreateHandler();
                }
            }));
        web.UseSetting("Ledger:RawAppend:Enabled", "true");
        web.UseSetting("Ledger:SeedDemo", "false");
        web.UseSetting("Ledger:Projections:PollInterval", "00:00:01");
        web.UseSetting("Ledger:Projections:LeaderRetry", "00:00:00.200");
        web.UseSetting("Ledger:AppRolePassword", Server.Cluster is null ? PostgresServer.AppRolePassword : null);
        ConfigureWebHost(web);
        configure?.Invoke(web);
    }

    /// <summary>For fixtures that need more of the host, e.g. a log capture.</summary>
    protected virtual void ConfigureWebHost(IWebHostBuilder web)
    {
    }

    /// <summary>
    /// The same app listening on a loopback port, for what must cross a real socket (curl, raw
    /// bytes a client library would not send): a second node on the same database, started on
    /// first use, that leaves the projection daemon to <see cref="Host"/>.
    /// </summary>
    public Uri LoopbackAddress
    {
        get
        {
            // Parallel requests of one test may ask at once: one node, not two.
            lock (loopbackStart)
            {
                return (loopback ??= StartOnLoopback()).ClientOptions.BaseAddress;
            }
        }
    }

    readonly Lock loopbackStart = new();

    /// <summary>The loopback node's port: 0 lets Kestrel choose; a fixture that must name its address before start (a browser, an OpenID redirect) fixes one.</summary>
    protected virtual int LoopbackPort => 0;

    WebApplicationFactory<Program> StartOnLoopback()
    {
        _ = Host;
        var started = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseUrls($"http://127.0.0.1:{LoopbackPort}");
            Configure(web, node => node.UseSetting("Ledger:Projections:RunDaemon", "false"));
        });
        started.UseKestrel();
        started.StartServer();
        return started;
    }

    /// <summary>A client with no one signed in.</summary>
    public HttpClient Client(Transport transport = Transport.InMemory) => CreateClient(transport);

    /// <summary>
    /// Clients follow redirects, keep cookies and read after the async projections have caught
    /// up, as a person would a moment later (a redirect is followed at once, as before: a
    /// sign-in's landing page waits for nothing); the daemon's own tests read without waiting.
    /// </summary>
    HttpClient CreateClient(Transport transport)
    {
        var (server, address) = transport == Transport.Socket
            ? (new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }, LoopbackAddress)
            : (Host.Server.CreateHandler(), Host.Server.BaseAddress);
        return new HttpClient(new ReadAfterProjectionsHandler(this)
        {
            InnerHandler = new RedirectHandler { InnerHandler = new CookieContainerHandler { InnerHandler = server } },
        })
        { BaseAddress = address };
    }

    sealed class ReadAfterProjectionsHandler(LedgerApp app) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Get)
            {
                await app.ProjectionsCaughtUpAsync();
            }
            return await base.SendAsync(request, cancellationToken);
        }
    }

    // The schools an async projection ($1) has not caught up with, paused ones excepted.
    const string Behind = """
        FROM ledger.chain_heads h CROSS JOIN unnest($1::text[]) AS pr(projection)
        LEFT JOIN ledger.projection_progress p ON p.projection = pr.projection AND p.tenant = h.tenant
        WHERE h.position > COALESCE(p.position, 0) AND p.paused_at IS NULL
        """;

    /// <summary>Waits until every async projection has applied every committed event (paused ones excepted).</summary>
    public async Task ProjectionsCaughtUpAsync(TimeSpan? timeout = null)
    {
        var names = Services.GetServices<IProjection>().Where(p => p.Mode == ProjectionMode.Async).Select(p => p.Name).ToArray();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            await using var command = AdminDataSource.CreateCommand($"SELECT EXISTS (SELECT 1 {Behind})");
            command.Parameters.Add(new Npgsql.NpgsqlParameter<string[]> { TypedValue = names });
            if (!(bool)(await command.ExecuteScalarAsync())!)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"async projections did not catch up: {await StallReportAsync(names)}");
            }
            await Task.Delay(5);
        }
    }

    // What a stall looked like, so a rare one in CI says why: the daemon's own state, which
    // schools are behind, and what every session on the database was doing.
    async Task<string> StallReportAsync(string[] names)
    {
        var daemon = Services.GetRequiredService<ProjectionDaemon>();
        var report = new System.Text.StringBuilder($"leader={daemon.IsLeader} applied={daemon.Applied};");
        await using var command = AdminDataSource.CreateCommand($"""
            SELECT 'behind ' || h.tenant || ' ' || pr.projection || ' head=' || h.position || ' at=' || COALESCE(p.position, 0) {Behind}
            UNION ALL
            SELECT 'session ' || pid || ' ' || COALESCE(usename, '') || ' ' || COALESCE(state, '') || ' wait=' || COALESCE(wait_event_type || ':' || wait_event, '-')
                   || ' xact=' || COALESCE(round(extract(epoch FROM now() - xact_start))::text || 's', '-') || ' ' || left(COALESCE(query, ''), 120)
              FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string[]> { TypedValue = names });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            report.Append(' ').Append(reader.GetString(0)).Append(';');
        }
        return report.ToString();
    }

    public SchoolSetup Setup => Services.GetRequiredService<SchoolSetup>();

    /// <summary>A client signed in (through the development sign-in) as the given person.</summary>
    public async Task<HttpClient> ClientFor(string urn, Guid personId, Transport transport = Transport.InMemory)
    {
        var client = CreateClient(transport);
        var response = await client.PostAsync("/dev/sign-in", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["urn"] = urn, ["personId"] = personId.ToString() }));
        // The sign-in leads through / to the person's home page (which depends on their roles), which
        // answers only someone signed in. Followed at once: a sign-in's landing waits for no projection.
        var landing = response.RequestMessage?.RequestUri?.AbsolutePath ?? "";
        if ((!landing.StartsWith($"/schools/{urn}/", StringComparison.Ordinal) && !landing.StartsWith("/trusts/", StringComparison.Ordinal))
            || response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Sign-in failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return client;
    }

    /// <summary>Signs the person in (the development sign-in) and returns their session cookie, <c>ledger=…</c>, for scenarios.</summary>
    public async Task<string> SessionCookieAsync(string urn, Guid personId)
    {
        var signedIn = await Host.Scenario(s =>
        {
            s.Post.FormData(new Dictionary<string, string> { ["urn"] = urn, ["personId"] = personId.ToString() }).ToUrl("/dev/sign-in");
            s.StatusCodeShouldBe(System.Net.HttpStatusCode.Redirect);
        });
        var cookie = signedIn.Context.Response.Headers.SetCookie.Select(c => c ?? "").Single(c => c.StartsWith("ledger=", StringComparison.Ordinal));
        return cookie[..cookie.IndexOf(';', StringComparison.Ordinal)];
    }

    /// <summary>Registers a school with one person in each of the given roles; returns their ids by role.</summary>
    public Task<TestSchool> SchoolAsync(string urn, params Role[] roles) =>
        schools.GetOrAdd(urn, _ => RegisterAsync(urn, roles));

    readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<TestSchool>> schools = new();

    async Task<TestSchool> RegisterAsync(string urn, Role[] roles)
    {
        await Setup.RegisterAsync(urn, $"Test School {urn}", "trust-t1", "Test Trust", ["test.sch.uk"], "TST", "system:test");
        var people = new Dictionary<Role, Guid>();
        foreach (var role in roles.Distinct())
        {
            people[role] = await Setup.EnrolAsync(urn, $"{role} of {urn}", [role], new DateOnly(2025, 9, 1), "system:test", SignInEmail(urn, role));
        }
        return new TestSchool(this, urn, people);
    }

    /// <summary>The sign-in email <see cref="SchoolAsync"/> records for the person in that role: none here; a fixture that signs in through a provider gives one.</summary>
    protected virtual string? SignInEmail(string urn, Role role) => null;

    public override async Task DisposeAsync()
    {
        if (loopback is not null)
        {
            await loopback.DisposeAsync();
        }
        if (host is not null)
        {
            await host.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}

public sealed record TestSchool(LedgerApp App, string Urn, IReadOnlyDictionary<Role, Guid> People)
{
    public Task<HttpClient> As(Role role, Transport transport = Transport.InMemory) => App.ClientFor(Urn, People[role], transport);

    /// <summary>The session cookie of the person in that role, for <c>s.SignedIn(cookie)</c> in a scenario.</summary>
    public Task<string> SessionCookie(Role role) => App.SessionCookieAsync(Urn, People[role]);
}

public static class ScenarioSignIn
{
    /// <summary>Sends the request as the person whose session cookie this is.</summary>
    public static Scenario SignedIn(this Scenario scenario, string sessionCookie)
    {
        scenario.WithRequestHeader("Cookie", sessionCookie);
        return scenario;
    }
}

/// <summary>How a test's client reaches the app.</summary>
public enum Transport
{
    /// <summary>Through the Alba host's TestServer: the whole pipeline, no socket.</summary>
    InMemory,

    /// <summary>
    /// Over a loopback socket to Kestrel, for what only a real server does: its request limits
    /// (413), its parsing of raw paths (a NUL, bytes that are not UTF-8), curl.
    /// </summary>
    Socket,
}
