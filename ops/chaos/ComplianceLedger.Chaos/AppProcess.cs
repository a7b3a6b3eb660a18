using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ComplianceLedger.Chaos;

/// <summary>
/// The real API as a child process (<c>dotnet ComplianceLedger.Api.dll</c>), as ops/bench runs it:
/// Development (for the development sign-in), <c>Ledger:SeedDemo=false</c>, the app's connection as
/// <c>ledger_app</c> (the schema is migrated beforehand by <c>ledger migrate</c>), one signing key for
/// every start. Always on the same port, so clients reconnect to the restarted app.
/// </summary>
sealed class AppProcess(string dll, string appConnectionString, string signingKeyPem, string dataDirectory, Action<string> log)
{
    readonly Queue<string> output = new();
    Process? process;

    public Uri Address { get; } = new($"http://127.0.0.1:{FreePort()}");

    public int Starts { get; private set; }

    /// <summary>Starts the app and waits until <c>/health/ready</c> answers 200.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
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
        start.Environment["ASPNETCORE_URLS"] = Address.ToString();
        // Test-only: its HttpClient sends no Secure cookie over http (docs/api.md, "Sign-in").
        start.Environment["SignIn__Cookies__Secure"] = "false";
        // Every writer signs in again after each kill, from one address: no sign-in limit here.
        start.Environment["SignIn__RateLimit__PermitPerMinute"] = "1000000";
        start.Environment["ConnectionStrings__Ledger"] = appConnectionString;
        start.Environment.Remove("ConnectionStrings__LedgerAdmin");
        start.Environment["Ledger__SeedDemo"] = "false";
        start.Environment["Ledger__DataDirectory"] = dataDirectory;
        start.Environment["Ledger__Signing__PrivateKeyPem"] = signingKeyPem;
        // Short polls so the async projections catch up soon after the last write.
        start.Environment["Ledger__Projections__PollInterval"] = "00:00:01";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");

        var started = Process.Start(start) ?? throw new InvalidOperationException("Could not start the API.");
        started.OutputDataReceived += (_, e) => Keep(e.Data);
        started.ErrorDataReceived += (_, e) => Keep(e.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
        Starts++;
        await WaitReadyAsync(TimeSpan.FromSeconds(120), ct);
    }

    /// <summary>Waits until the running app answers <c>/health/ready</c> with 200 (e.g. after PostgreSQL came back).</summary>
    public async Task WaitReadyAsync(TimeSpan within, CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < within)
        {
            if (process is null || process.HasExited)
            {
                throw new InvalidOperationException($"The API exited with {process?.ExitCode}:\n{Output()}");
            }
            try
            {
                using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), ct);
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    log($"app (pid {process.Id}) ready after {waited.Elapsed.TotalSeconds:0.0} s");
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"The API was not ready within {within.TotalSeconds:0} s:\n{Output()}");
    }

    /// <summary>SIGKILL: no shutdown, no flush, requests cut off wherever they are.</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false } running)
        {
            running.Kill(entireProcessTree: false);
            await running.WaitForExitAsync();
        }
        process?.Dispose();
        process = null;
    }

    /// <summary>SIGTERM and wait for the app to stop as it does on Ctrl+C; SIGKILL if it will not.</summary>
    public async Task StopAsync()
    {
        if (process is { HasExited: false } running)
        {
            using (var kill = Process.Start("kill", ["-TERM", running.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await running.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                log("the app did not stop within 30 s of SIGTERM; killing it");
            }
        }
        await KillAsync();
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
            while (output.Count > 60)
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

    /// <summary>The Release (or Debug) build of the API in this checkout, beside the chaos tool's own configuration.</summary>
    public static string DefaultDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ComplianceLedger.sln")))
        {
            dir = dir.Parent;
        }
        if (dir is null)
        {
            throw new InvalidOperationException("Cannot find the repository root (ComplianceLedger.sln) above the chaos tool: pass --api-dll.");
        }
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent?.Name ?? "Release";
        var dll = Path.Combine(dir.FullName, "src", "ComplianceLedger.Api", "bin", configuration, "net10.0", "ComplianceLedger.Api.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the API first (ops/chaos/run does).", dll);
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
