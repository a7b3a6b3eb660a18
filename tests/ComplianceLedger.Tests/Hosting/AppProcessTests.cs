using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ComplianceLedger.EventStore.LocalPostgres;
using ComplianceLedger.EventStore.Migrations;
using ComplianceLedger.Projections;
using Npgsql;

namespace ComplianceLedger.Tests.Hosting;

/// <summary>
/// The app as a user runs it: a real process (<c>dotnet ComplianceLedger.Api.dll</c>, the build the
/// tests already use) in Development with no connection string, from a private directory (mode
/// 0700, as <c>mktemp -d</c> makes) that the postgres user cannot enter. It must start, answer
/// <c>/health/ready</c>, stop within seconds on SIGINT or SIGTERM, and stop the cluster it started.
/// </summary>
public sealed class AppProcessTests : IAsyncLifetime
{
    static readonly TimeSpan StopWithin = TimeSpan.FromSeconds(15);
    readonly DirectoryInfo checkout = Directory.CreateTempSubdirectory("ledger-clone-");
    readonly StringBuilder log = new();
    Process? app;

    string DataDirectory => Path.Combine(checkout.FullName, ".data");

    [Fact]
    public async Task Started_from_a_private_directory_the_app_answers_ready_and_SIGINT_stops_it_and_its_cluster()
    {
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(checkout.FullName));
        }
        // As a shell's background job: SIGINT arrives ignored.
        var baseAddress = Start(ignoreInterrupt: true);
        await ReadyAsync(baseAddress);
        Assert.Contains("script(s) now", Log, StringComparison.Ordinal);

        await SignalAndWaitAsync("INT");

        await AssertClusterStoppedAsync();
    }

    [Fact]
    public async Task A_second_start_says_the_schema_is_up_to_date_and_SIGTERM_stops_it_and_its_cluster()
    {
        // The first start, done here: a migrated cluster, stopped as the app would leave it.
        var cluster = await LocalCluster.StartAsync(await DevelopmentData.PrepareClusterRootAsync(DataDirectory), throwaway: false, durable: false);
        await cluster.EnsureDatabaseAsync(DevelopmentData.DatabaseName);
        await LedgerMigrator.MigrateAsync(cluster.AdminConnectionString(DevelopmentData.DatabaseName), null, ProjectionSchema.Scripts);
        await cluster.StopAsync();

        var baseAddress = Start(ignoreInterrupt: false);
        await ReadyAsync(baseAddress);
        Assert.Contains("Ledger schema up to date", Log, StringComparison.Ordinal);
        Assert.DoesNotContain("applied 0 script(s)", Log, StringComparison.Ordinal);

        await SignalAndWaitAsync("TERM");

        await AssertClusterStoppedAsync();
    }

    [Fact]
    public async Task A_start_that_cannot_have_its_database_says_what_to_do_in_one_line_without_a_stack_trace()
    {
        // Outside Development no cluster is made: the connection string must be set.
        Start(ignoreInterrupt: false, environment: "Production");
        using (var within = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await app!.WaitForExitAsync(within.Token);
        }

        Assert.Equal(1, app.ExitCode);
        Assert.Contains("The app cannot start: ConnectionStrings:Ledger is not configured. Set ConnectionStrings__Ledger", Log, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", Log, StringComparison.Ordinal);
    }

    string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    Uri Start(bool ignoreInterrupt, string environment = "Development")
    {
        var port = FreePort();
        var dll = typeof(Program).Assembly.Location;
        // `trap '' INT` then exec: the app inherits SIGINT ignored, as a job started with `&` does.
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = checkout.FullName,
        };
        foreach (var arg in new[] { "-c", $"{(ignoreInterrupt ? "trap '' INT; " : "")}exec dotnet \"$0\"", dll })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["Ledger__DataDirectory"] = DataDirectory;
        info.Environment["Ledger__SeedDemo"] = "false";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__ComplianceLedger"] = "Information";
        info.Environment.Remove("ConnectionStrings__Ledger");
        info.Environment.Remove("ConnectionStrings__LedgerAdmin");
        app = Process.Start(info)!;
        app.OutputDataReceived += (_, e) => Append(e.Data);
        app.ErrorDataReceived += (_, e) => Append(e.Data);
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();
        return new Uri($"http://127.0.0.1:{port}");
    }

    void Append(string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    async Task ReadyAsync(Uri baseAddress)
    {
        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(15) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            if (app!.HasExited)
            {
                Assert.Fail($"the app exited ({app.ExitCode}) before it was ready:\n{Log}");
            }
            try
            {
                if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or the first request is slow on a busy machine.
            }
            Assert.True(DateTime.UtcNow < deadline, $"the app did not become ready:\n{Log}");
            await Task.Delay(200);
        }
    }

    async Task SignalAndWaitAsync(string signal)
    {
        using (var kill = Process.Start("kill", ["-" + signal, app!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var within = new CancellationTokenSource(StopWithin);
        try
        {
            await app.WaitForExitAsync(within.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"SIG{signal} did not stop the app within {StopWithin.TotalSeconds} s:\n{Log}");
        }
        Assert.Contains("Stopped the development PostgreSQL cluster", Log, StringComparison.Ordinal);
    }

    async Task AssertClusterStoppedAsync()
    {
        var root = DevelopmentData.ClusterRoot(DataDirectory);
        Assert.True(DevelopmentData.HasCluster(DataDirectory), $"no cluster at {root}");
        Assert.False(File.Exists(Path.Combine(root, "data", "postmaster.pid")), "a postmaster still runs for the data directory");
        Assert.False(await LocalCluster.Existing(root).IsRunningAsync());
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (app is { HasExited: false })
        {
            app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync();
        }
        app?.Dispose();
        var root = DevelopmentData.ClusterRoot(DataDirectory);
        if (DevelopmentData.HasCluster(DataDirectory))
        {
            var cluster = LocalCluster.Existing(root);
            if (await cluster.IsRunningAsync())
            {
                await cluster.StopAsync();
            }
        }
        NpgsqlConnection.ClearAllPools();
        if (DevelopmentData.IsClusterElsewhere(DataDirectory) && Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
        checkout.Delete(recursive: true);
    }
}
