using System.Security.Cryptography;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.EventStore.Projections.Daemon;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Fixtures;

/// <summary>The real application on Kestrel, over real HTTP on loopback, on a fresh migrated database.</summary>
public class LedgerApp : LedgerDatabase
{
    WebApplicationFactory<Program>? factory;

    public string SigningKeyPem { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem();

    public WebApplicationFactory<Program> Factory => factory ??= Start();

    /// <summary>Another node of the app on the same database (e.g. to contend for the projection daemon); the caller disposes it.</summary>
    public WebApplicationFactory<Program> StartAnotherInstance(Action<IWebHostBuilder>? configure = null) => Start(configure);

    WebApplicationFactory<Program> Start(Action<IWebHostBuilder>? configure = null)
    {
        var started = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            web.UseUrls("http://127.0.0.1:0");
            web.UseSetting("ConnectionStrings:Ledger", AppConnectionString);
            // No admin connection: the fixture migrated under the catalog lock, and a second,
            // unlocked migration at app start can race other classes' catalog changes.
            web.UseSetting("Ledger:Signing:PrivateKeyPem", SigningKeyPem);
            web.UseSetting("Ledger:RawAppend:Enabled", "true");
            web.UseSetting("Ledger:SeedDemo", "false");
            web.UseSetting("Ledger:Projections:PollInterval", "00:00:01");
            web.UseSetting("Ledger:Projections:LeaderRetry", "00:00:00.200");
            web.UseSetting("Ledger:AppRolePassword", Server.Cluster is null ? PostgresServer.AppRolePassword : null);
            ConfigureWebHost(web);
            configure?.Invoke(web);
        });
        started.UseKestrel();
        started.StartServer();
        return started;
    }

    /// <summary>For fixtures that need more of the host, e.g. a log capture.</summary>
    protected virtual void ConfigureWebHost(IWebHostBuilder web)
    {
    }

    /// <summary>A client with no one signed in.</summary>
    public HttpClient Client() => CreateClient();

    /// <summary>
    /// Clients read after the async projections have caught up, as a person would a moment
    /// later; the daemon's own tests read without waiting.
    /// </summary>
    HttpClient CreateClient() => Factory.CreateDefaultClient(Factory.ClientOptions.BaseAddress,
        new RedirectHandler(), new CookieContainerHandler(), new ReadAfterProjectionsHandler(this));

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

    /// <summary>Waits until every async projection has applied every committed event (paused ones excepted).</summary>
    public async Task ProjectionsCaughtUpAsync(TimeSpan? timeout = null)
    {
        var names = Factory.Services.GetServices<IProjection>().Where(p => p.Mode == ProjectionMode.Async).Select(p => p.Name).ToArray();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            await using var command = AdminDataSource.CreateCommand("""
                SELECT EXISTS (SELECT 1 FROM ledger.chain_heads h CROSS JOIN unnest($1::text[]) AS pr(projection)
                  LEFT JOIN ledger.projection_progress p ON p.projection = pr.projection AND p.tenant = h.tenant
                 WHERE h.position > COALESCE(p.position, 0) AND p.paused_at IS NULL)
                """);
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
        var daemon = Factory.Services.GetRequiredService<ProjectionDaemon>();
        var report = new System.Text.StringBuilder($"leader={daemon.IsLeader} applied={daemon.Applied};");
        await using var command = AdminDataSource.CreateCommand("""
            SELECT 'behind ' || h.tenant || ' ' || pr.projection || ' head=' || h.position || ' at=' || COALESCE(p.position, 0)
              FROM ledger.chain_heads h CROSS JOIN unnest($1::text[]) AS pr(projection)
              LEFT JOIN ledger.projection_progress p ON p.projection = pr.projection AND p.tenant = h.tenant
             WHERE h.position > COALESCE(p.position, 0) AND p.paused_at IS NULL
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

    public SchoolSetup Setup => Factory.Services.GetRequiredService<SchoolSetup>();

    /// <summary>A client signed in (through the development sign-in) as the given person.</summary>
    public async Task<HttpClient> ClientFor(string urn, Guid personId)
    {
        var client = CreateClient();
        var response = await client.PostAsync("/dev/sign-in", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["urn"] = urn, ["personId"] = personId.ToString() }));
        // The sign-in redirects to /api/me, which answers only for a signed-in person.
        if (response.StatusCode != System.Net.HttpStatusCode.OK || response.RequestMessage?.RequestUri?.AbsolutePath != "/api/me")
        {
            throw new InvalidOperationException($"Sign-in failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return client;
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
            people[role] = await Setup.EnrolAsync(urn, $"{role} of {urn}", [role], new DateOnly(2025, 9, 1), "system:test");
        }
        return new TestSchool(this, urn, people);
    }

    public override async Task DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}

public sealed record TestSchool(LedgerApp App, string Urn, IReadOnlyDictionary<Role, Guid> People)
{
    public Task<HttpClient> As(Role role) => App.ClientFor(Urn, People[role]);
}
