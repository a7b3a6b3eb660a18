using ComplianceLedger.Api.Hosting;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.LocalPostgres;
using ComplianceLedger.EventStore.Projections;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ComplianceLedger.Fuzz;

/// <summary>ops/fuzz/run: a throwaway cluster, the real API on loopback, one seeded school, then the fuzz. Exit 0 when it found nothing.</summary>
static class FuzzMain
{
    const string Urn = "300901";

    static async Task<int> Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.Out.WriteLine(FuzzOptions.Usage);
            return 0;
        }
        FuzzOptions options;
        try
        {
            options = FuzzOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or UriFormatException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var ct = cancel.Token;
        var started = DateTime.UtcNow;
        void Log(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow - started:mm\\:ss}] {line}");

        LocalCluster? cluster = null;
        AppProcess? app = null;
        try
        {
            string appConnection, adminConnection;
            Uri address;
            if (options.BaseAddress is { } given)
            {
                appConnection = Environment.GetEnvironmentVariable("ConnectionStrings__Ledger")
                    ?? throw new InvalidOperationException("--base-url needs ConnectionStrings__Ledger and ConnectionStrings__LedgerAdmin (the app's database) to seed and count events.");
                adminConnection = Environment.GetEnvironmentVariable("ConnectionStrings__LedgerAdmin") ?? appConnection;
                address = given;
            }
            else
            {
                var root = Path.Combine(Path.GetTempPath(), $"ledger-fuzz-{Guid.NewGuid():N}"[..24]);
                Log($"starting a throwaway PostgreSQL cluster in {root}");
                cluster = await LocalCluster.StartAsync(root, throwaway: true, durable: false, ct);
                await cluster.EnsureDatabaseAsync("fuzz", ct);
                appConnection = cluster.AppConnectionString("fuzz");
                adminConnection = cluster.AdminConnectionString("fuzz");
                app = await AppProcess.StartAsync(appConnection, adminConnection, Log, ct);
                address = app.Address;
            }
            FuzzOptions.RequireLoopback(address);

            await using var services = Services(appConnection);
            var urn = options.BaseAddress is null ? Urn : $"3{options.Seed % 100_000:00000}";
            var members = await FuzzSchool.SeedAsync(services.Services.GetRequiredService<SchoolSetup>(), urn, ct);
            await using var admin = NpgsqlDataSource.Create(adminConnection);
            var projections = services.Services.GetServices<IProjection>().Where(p => p.Mode == ProjectionMode.Async).Select(p => p.Name).ToArray();
            using var fuzzer = new Fuzzer(options, address, members, new EventLedger(admin), Log, t => CaughtUpAsync(admin, projections, t));
            var report = await fuzzer.RunAsync(ct);
            Console.Out.WriteLine(report.Summary());
            if (!report.Passed && app is not null)
            {
                Console.Error.WriteLine($"The API's last lines:\n{app.Output()}");
            }
            return report.Passed ? 0 : 1;
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    /// <summary>The app's own services in this process, on the same database, to seed the school: a host built, never started.</summary>
    static WebApplication Services(string appConnectionString)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Configuration["ConnectionStrings:Ledger"] = appConnectionString;
        builder.AddLedger();
        return builder.Build();
    }

    /// <summary>Waits (up to a minute) until the async projections have applied every committed event, so a sweep reads what was written.</summary>
    public static async Task CaughtUpAsync(NpgsqlDataSource admin, string[] projections, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            await using var command = admin.CreateCommand("""
                SELECT EXISTS (SELECT 1 FROM ledger.chain_heads h CROSS JOIN unnest($1::text[]) AS pr(projection)
                  LEFT JOIN ledger.projection_progress p ON p.projection = pr.projection AND p.tenant = h.tenant
                 WHERE h.position > COALESCE(p.position, 0) AND p.paused_at IS NULL)
                """);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = projections });
            if (!(bool)(await command.ExecuteScalarAsync(ct))!)
            {
                return;
            }
            await Task.Delay(50, ct);
        }
    }
}
