using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ComplianceLedger.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ComplianceLedger.Bench;

/// <summary>
/// The real API, published build (Release), run as a child process on Kestrel bound to
/// 127.0.0.1 on a free port, connecting to the bench's cluster as ledger_app. Development
/// environment (for the development sign-in) with <c>Ledger:SeedDemo=false</c>; the app
/// migrates its own database at start-up (ledger and read-model scripts) as in production.
/// </summary>
sealed class ApiHost : IAsyncDisposable
{
    readonly Process process;
    readonly Queue<string> output = new();

    ApiHost(Process process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>CPU time used by the API process so far.</summary>
    public TimeSpan Cpu
    {
        get
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    /// <param name="settings">More environment for the app (its mail server, say), as <c>Section__Key</c>.</param>
    public static async Task<ApiHost> StartAsync(
        string appConnectionString, string adminConnectionString, CancellationToken ct, IReadOnlyDictionary<string, string>? settings = null)
    {
        var dll = ApiAssembly();
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = address.ToString();
        start.Environment["ConnectionStrings__Ledger"] = appConnectionString;
        start.Environment["ConnectionStrings__LedgerAdmin"] = adminConnectionString;
        start.Environment["Ledger__SeedDemo"] = "false";
        start.Environment["Ledger__Signing__PrivateKeyPem"] = ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem();
        // Test-only: the bench's HttpClient sends no Secure cookie over http; and it signs in
        // far more often than a person could (the rate limit is for people).
        start.Environment["SignIn__Cookies__Secure"] = "false";
        start.Environment["SignIn__RateLimit__PermitPerMinute"] = "1000000";
        // Console logging of every command at Information would measure the terminal, not the app.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the API.");
        var host = new ApiHost(process, address);
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The API exited with {process.ExitCode}:\n{host.Output()}");
            }
            try
            {
                using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), ct);
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    Report.Log($"API (pid {process.Id}) ready on {address} after {waited.Elapsed.TotalSeconds:0.0} s");
                    return host;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(200, ct);
        }
        await host.DisposeAsync();
        throw new TimeoutException($"The API did not become ready in 90 s:\n{host.Output()}");
    }

    /// <summary>
    /// The app's own services (SchoolSetup, SyntheticTrust, …) in this process, on the same
    /// database, for seeding: a host that is built but never started.
    /// </summary>
    public static WebApplication Services(string appConnectionString, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Configuration["ConnectionStrings:Ledger"] = appConnectionString;
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.Configuration[name] = value;
        }
        builder.AddLedger();
        return builder.Build();
    }

    void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.Enqueue(line);
            while (output.Count > 40)
            {
                output.Dequeue();
            }
        }
    }

    public string Output()
    {
        lock (output)
        {
            return string.Join('\n', output);
        }
    }

    /// <summary>The API's Release build next to this one: src/ComplianceLedger.Api/bin/Release/net10.0.</summary>
    static string ApiAssembly()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ComplianceLedger.sln")))
        {
            dir = dir.Parent;
        }
        if (dir is null)
        {
            throw new InvalidOperationException("Cannot find the repository root (ComplianceLedger.sln) above the bench.");
        }
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent?.Name ?? "Release";
        var dll = Path.Combine(dir.FullName, "src", "ComplianceLedger.Api", "bin", configuration, "net10.0", "ComplianceLedger.Api.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the API first (ops/bench/run does).", dll);
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
        }
        process.Dispose();
    }
}
