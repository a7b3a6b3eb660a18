using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace ComplianceLedger.Fuzz;

/// <summary>
/// The real API (the build beside this one) as a child process on Kestrel, 127.0.0.1 on a free
/// port, Development (for the development sign-in and /dev/mail) without the demo seed; it
/// migrates its own database at start-up as in production (as ops/bench's ApiHost).
/// </summary>
sealed class AppProcess : IAsyncDisposable
{
    readonly Process process;
    readonly Queue<string> output = new();

    AppProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<AppProcess> StartAsync(string appConnectionString, string adminConnectionString, Action<string> log, CancellationToken ct)
    {
        var dll = ApiAssembly();
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
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
        // Test-only: the fuzzer's HttpClient sends no Secure cookie over http, and it signs in
        // again whenever a fuzzed request ends its session.
        start.Environment["SignIn__Cookies__Secure"] = "false";
        start.Environment["SignIn__RateLimit__PermitPerMinute"] = "1000000";
        // A warning or worse is what the fuzz wants to see; every refused request at Information would drown it.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the API.");
        var host = new AppProcess(process, address);
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(120))
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
                    log($"API (pid {process.Id}) ready on {address} after {waited.Elapsed.TotalSeconds:0.0} s");
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
        throw new TimeoutException($"The API did not become ready in 120 s:\n{host.Output()}");
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
            while (output.Count > 200)
            {
                output.Dequeue();
            }
        }
    }

    /// <summary>The API's last lines of output (warnings and errors: what a 500 logged).</summary>
    public string Output()
    {
        lock (output)
        {
            return string.Join('\n', output);
        }
    }

    static string ApiAssembly()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ComplianceLedger.sln")))
        {
            dir = dir.Parent;
        }
        if (dir is null)
        {
            throw new InvalidOperationException("Cannot find the repository root (ComplianceLedger.sln) above the fuzzer.");
        }
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent?.Name ?? "Release";
        var dll = Path.Combine(dir.FullName, "src", "ComplianceLedger.Api", "bin", configuration, "net10.0", "ComplianceLedger.Api.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the API first (ops/fuzz/run does).", dll);
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
