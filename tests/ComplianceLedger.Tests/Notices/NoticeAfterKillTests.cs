using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.Scheduling;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Notices;

/// <summary>The app as its own process, killed with SIGKILL while it was sending: nothing in memory survives.</summary>
public sealed class KillableApp : LedgerApp
{
    protected override string? SignInEmail(string urn, Role role) => NoticesApp.Address(urn, role);
}

/// <summary>
/// Nothing lost, nothing twice: a policy is published (committed, with its reminders), the app
/// is killed with SIGKILL while the SMTP server holds its messages mid-DATA, and after a restart
/// each person gets their message exactly once and the ledger records it once.
/// </summary>
public sealed class NoticeAfterKillTests(KillableApp app) : IClassFixture<KillableApp>, IAsyncDisposable
{
    readonly StringBuilder log = new();
    Process? process;

    [Fact]
    public async Task Killed_between_the_commit_and_the_send_the_app_sends_each_message_exactly_once_after_a_restart()
    {
        var school = await app.SchoolAsync("139771", Role.Headteacher, Role.Teacher);
        // The in-test host only made the school; the processes below do the rest, alone.
        await app.Host.StopAsync();

        using var holding = new HoldingSmtp();
        var first = Start(holding.Port);
        var cookies = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = first, Timeout = TimeSpan.FromSeconds(30) };
        await ReadyAsync(client);
        var signIn = await client.PostAsync("/dev/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["urn"] = school.Urn,
            ["personId"] = school.People[Role.Headteacher].ToString(),
        }));
        Assert.True(signIn.IsSuccessStatusCode, $"sign-in: {(int)signIn.StatusCode}\n{Log}");
        var published = await client.PostAsync($"/api/schools/{school.Urn}/policies/social-media/versions",
            new StringContent(PeopleAndPolicyContractTests.PublishBody(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);

        Assert.True(await holding.MidDataAsync(TimeSpan.FromSeconds(60)), $"no message reached the SMTP server:\n{Log}");
        process!.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        Assert.Empty(await SentAsync(school.Urn));

        await using var smtp = await LoopbackSmtp.StartNewAsync();
        var second = Start(smtp.Port);
        using var again = new HttpClient { BaseAddress = second, Timeout = TimeSpan.FromSeconds(30) };
        await ReadyAsync(again);
        // The teacher is overdue (effective 1 September, 14 days), so the head is told too: two messages.
        Assert.True(await ScheduledWorkApp.EventuallyAsync(() => Task.FromResult(smtp.Received.Count >= 2), TimeSpan.FromSeconds(150)),
            $"after the restart {smtp.Received.Count} message(s) arrived:\n{Log}");
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(2, smtp.Received.Count);
        Assert.Single(smtp.Received, m => m.To.Mailboxes.Single().Address == NoticesApp.Address(school.Urn, Role.Teacher));
        Assert.Single(smtp.Received, m => m.To.Mailboxes.Single().Address == NoticesApp.Address(school.Urn, Role.Headteacher));
        var sent = await SentAsync(school.Urn);
        Assert.Equal(2, sent.Count);
        Assert.Equal(sent.Order(StringComparer.Ordinal), smtp.Received.Select(m => $"<{m.MessageId}>").Order(StringComparer.Ordinal));
    }

    async Task<List<string>> SentAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand(
            "SELECT data->>'messageId' FROM ledger.events WHERE tenant = $1 AND event_type = 'reminder.sent.v1'");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = urn });
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    Uri Start(int smtpPort)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(typeof(Program).Assembly.Location)!,
        };
        info.ArgumentList.Add(typeof(Program).Assembly.Location);
        var settings = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings__Ledger"] = app.AppConnectionString,
            ["Ledger__AppRolePassword"] = app.Server.Cluster is null ? PostgresServer.AppRolePassword : null,
            ["Ledger__Signing__PrivateKeyPem"] = app.SigningKeyPem,
            ["SignIn__EmailIndexKey"] = app.EmailIndexKey,
            ["SignIn__Cookies__Secure"] = "false",
            ["Ledger__SeedDemo"] = "false",
            ["Ledger__Scheduling__PollInterval"] = "00:00:00.200",
            ["Ledger__Mail__Host"] = LoopbackSmtp.Host,
            ["Ledger__Mail__Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ledger__Mail__Security"] = "None",
            ["Ledger__Mail__From"] = "ledger@test.sch.uk",
            ["Ledger__Mail__GatherFor"] = "00:00:00.500",
            ["Ledger__Mail__RetryDelays__0"] = "00:00:01",
            ["Ledger__Mail__RetryDelays__1"] = "00:00:02",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (name, value) in settings)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }
        process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Uri($"http://127.0.0.1:{port}");
    }

    async Task ReadyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process!.HasExited, $"the app exited ({(process.HasExited ? process.ExitCode : 0)}):\n{Log}");
            try
            {
                if ((await client.GetAsync("/health/live")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        Assert.Fail($"the app did not start:\n{Log}");
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

    string Log
    {
        get
        {
            lock (log)
            {
                return log.Length > 20_000 ? log.ToString(log.Length - 20_000, 20_000) : log.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process?.Dispose();
    }
}

/// <summary>
/// An SMTP server on loopback that takes a message's envelope and its DATA command, then never
/// answers: the sender is mid-send, the message not accepted, when the test kills it.
/// </summary>
sealed class HoldingSmtp : IDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly TaskCompletionSource midData = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly CancellationTokenSource stop = new();

    public HoldingSmtp()
    {
        listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public async Task<bool> MidDataAsync(TimeSpan within)
    {
        try
        {
            await midData.Task.WaitAsync(within);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = SessionAsync(client);
        }
    }

    async Task SessionAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII);
                await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
                await writer.WriteLineAsync("220 holding.test ESMTP");
                while (await reader.ReadLineAsync(stop.Token) is { } line)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    if (verb is "EHLO" or "HELO")
                    {
                        await writer.WriteLineAsync("250 holding.test");
                    }
                    else if (verb == "DATA")
                    {
                        await writer.WriteLineAsync("354 go ahead");
                        midData.TrySetResult();
                        // Read the message and never answer it.
                        await Task.Delay(Timeout.Infinite, stop.Token);
                    }
                    else if (verb == "QUIT")
                    {
                        await writer.WriteLineAsync("221 bye");
                        return;
                    }
                    else
                    {
                        await writer.WriteLineAsync("250 ok");
                    }
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The sender went away (killed), or the test is over.
            }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        stop.Dispose();
    }
}
