using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ComplianceLedger.EventStore.LocalPostgres;

namespace ComplianceLedger.Chaos;

/// <summary>What a run did and found.</summary>
public sealed record ChaosReport(
    ChaosOptions Options, int Commands, int SetUp, int Acknowledged, int Replayed, Counters Counters, int Kills, int PgRestarts, long Events,
    int Missing, int Duplicates, int Refused, int ChainsVerified, int Chains, bool ReadModelsEqual, IReadOnlyList<string> Violations,
    TimeSpan FaultPhase, TimeSpan Elapsed)
{
    public bool Holds => Violations.Count == 0;

    public string Summary() => string.Create(CultureInfo.InvariantCulture, $"""
        chaos: {Options}
        commands acknowledged: {Acknowledged} of {Commands} sent ({SetUp} setting up, {Commands - SetUp} by the writers at {(Commands - SetUp) / Math.Max(0.001, FaultPhase.TotalSeconds):0.0}/s over {FaultPhase.TotalSeconds:0} s of faults); {Replayed} answered as a replay of an earlier attempt
        retries: {Counters.Retries} (connection refused or reset {Counters.ConnectionFailures}, time-outs {Counters.Timeouts}, 5xx {Counters.ServerErrors}, signed in again after 401 {Counters.SignInsAgain})
        app kills (SIGKILL): {Kills}; PostgreSQL immediate restarts: {PgRestarts}
        ledger: {Events} events; missing {Missing}; duplicates {Duplicates}; refused {Refused}
        chains verified: {ChainsVerified} of {Chains}
        read models equal a rebuild: {(ReadModelsEqual ? "yes" : "NO")}
        {(Holds ? "every guarantee held" : $"{Violations.Count} VIOLATION(S):\n  " + string.Join("\n  ", Violations.Take(40)))}
        took {Elapsed.TotalSeconds:0} s
        """);
}

/// <summary>
/// The fault test of the ledger (issue 12, item 8), treating the app as a black box: its own
/// durable PostgreSQL cluster, the app as a real process, writers over HTTP with Idempotency-Keys,
/// SIGKILLs of the app and immediate restarts of PostgreSQL at random moments, then the ledger,
/// its chains and its read models checked from outside.
/// </summary>
public static partial class ChaosRun
{
    const string Database = "ledger_chaos";

    public static async Task<ChaosReport> RunAsync(ChaosOptions options, Action<string> log, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        var dll = options.ApiDll ?? AppProcess.DefaultDll();
        var root = Path.Combine(Path.GetTempPath(), $"ledger-chaos-{Guid.NewGuid():N}"[..25]);
        log($"chaos: {options}");
        log($"starting a throwaway durable PostgreSQL cluster (fsync on) in {root}");
        await using var cluster = await LocalCluster.StartAsync(root, throwaway: true, durable: true, ct);
        await cluster.EnsureDatabaseAsync(Database, ct);
        var (admin, app) = (cluster.AdminConnectionString(Database), cluster.AppConnectionString(Database));
        (await Cli.RunAsync(ct, "migrate", "--connection", admin)).Succeeded("migrate");

        var schools = new List<School>();
        for (var s = 1; s <= options.Schools; s++)
        {
            var urn = string.Create(CultureInfo.InvariantCulture, $"{300000 + s}");
            var added = (await Cli.RunAsync(ct, "school", "add", "--urn", urn, "--name", $"Chaos School {s}", "--headteacher-name", $"Chaos Head {s}",
                "--headteacher-email", $"head@chaos{urn}.sch.uk", "--connection", app)).Succeeded("school add");
            var head = HeadteacherLine().Match(added.Output);
            schools.Add(new School(urn, new Member(urn, head.Success ? Guid.Parse(head.Groups[1].Value) : throw new InvalidOperationException($"school add printed no headteacher:\n{added.Output}"), "headteacher")));
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKeyFile = Path.Combine(Path.GetTempPath(), $"ledger-chaos-key-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(publicKeyFile, key.ExportSubjectPublicKeyInfoPem(), ct);
        var dataDirectory = Directory.CreateTempSubdirectory("ledger-chaos-data-").FullName;
        var api = new AppProcess(dll, app, key.ExportPkcs8PrivateKeyPem(), dataDirectory, log);
        var counters = new Counters();
        var findings = new Findings();
        var workload = new Workload(schools, options.Writers, options.Seed);
        int kills = 0, restarts = 0, chainsVerified = 0, setUp = 0;
        long events = 0;
        var readModelsEqual = false;
        TimeSpan faultPhase;
        try
        {
            await api.StartAsync(ct);
            using (var setup = new LedgerClient(api.Address, counters))
            {
                var clock = Stopwatch.StartNew();
                await workload.SetUpAsync(setup, options.PeoplePerSchool, options.Policies, ct);
                setUp = workload.Answers.Count;
                log($"set up {schools.Count} schools of {options.PeoplePerSchool} teachers and {options.Policies} policies over HTTP in {clock.Elapsed.TotalSeconds:0.0} s");
            }

            // The writers, and the faults while they write.
            using var stop = new CancellationTokenSource();
            // When the faults cannot go on (the app does not come back), writers stop waiting for answers.
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var clients = Enumerable.Range(0, options.Writers).Select(_ => new LedgerClient(api.Address, counters)).ToList();
            var faultClock = Stopwatch.StartNew();
            var writers = clients.Select((c, k) => Task.Run(() => workload.WriteAsync(k, c, stop.Token, abort.Token), ct)).ToList();
            try
            {
                var random = new Random(options.Seed);
                var faults = Enumerable.Repeat('K', options.Kills).Concat(Enumerable.Repeat('P', options.PgRestarts)).ToArray();
                random.Shuffle(faults);
                foreach (var fault in faults)
                {
                    await Task.Delay(Between(random, options.MinUptime, options.MaxUptime), ct);
                    if (writers.FirstOrDefault(w => w.IsFaulted) is { } failed)
                    {
                        await failed;
                    }
                    var answered = workload.Answers.Count;
                    if (fault == 'K')
                    {
                        await api.KillAsync();
                        kills++;
                        log($"fault {kills + restarts}/{faults.Length}: SIGKILL the app ({answered} answers so far)");
                        // Down a moment, sometimes: clients see refused connections, not just resets.
                        await Task.Delay(random.Next(0, 700), ct);
                        await api.StartAsync(ct);
                    }
                    else
                    {
                        restarts++;
                        log($"fault {kills + restarts}/{faults.Length}: pg_ctl restart -m immediate ({answered} answers so far)");
                        await Cluster.RestartImmediatelyAsync(cluster, ct);
                        await api.WaitReadyAsync(TimeSpan.FromSeconds(120), ct);
                    }
                }
                await Task.Delay(Between(random, options.MinUptime, options.MaxUptime), ct);
            }
            catch
            {
                await abort.CancelAsync();
                throw;
            }
            finally
            {
                // Writers finish the command they are on: every command sent gets its answer.
                await stop.CancelAsync();
                try
                {
                    await Task.WhenAll(writers);
                }
                catch (OperationCanceledException) when (abort.IsCancellationRequested)
                {
                    // Aborted: the fault's own exception says why.
                }
                finally
                {
                    clients.ForEach(c => c.Dispose());
                }
            }
            faultPhase = faultClock.Elapsed;
            log($"faults done: {kills} kills, {restarts} PostgreSQL restarts; {workload.Answers.Count} answers, {counters.Retries} retries, in {faultPhase.TotalSeconds:0} s");

            // The ledger through the API, once the async projections have caught up.
            using var reader = new LedgerClient(api.Address, counters);
            if (await LedgerCheck.CaughtUpAsync(reader, schools[0].Head, TimeSpan.FromSeconds(120), ct) is { } behind)
            {
                findings.Other.Add(behind);
            }
            var ledgers = new Dictionary<string, List<LedgerEvent>>();
            foreach (var school in schools)
            {
                ledgers[school.Urn] = await LedgerCheck.ReadAsync(reader, school, ct);
            }
            events = ledgers.Values.Sum(l => l.Count);
            LedgerCheck.Check(workload.Answers, ledgers, findings);
            log($"ledger read through the API: {events} events; missing {findings.Missing.Count}, duplicates {findings.Duplicates.Count}, refused {findings.Refused.Count}");
            await api.StopAsync();

            // Chains: `ledger verify` per school, trusting only the key the app signed with.
            foreach (var school in schools)
            {
                var verified = await Cli.RunAsync(ct, "verify", "--tenant", school.Urn, "--public-key", publicKeyFile, "--connection", app);
                if (verified.ExitCode == 0)
                {
                    chainsVerified++;
                }
                else
                {
                    findings.Other.Add($"ledger verify --tenant {school.Urn} exited {verified.ExitCode}: {verified.Output.Trim()}");
                }
            }
            log($"ledger verify: {chainsVerified} of {schools.Count} chains hold");

            // Read models: the live rows against `ledger rebuild`'s.
            var live = await LedgerCheck.SnapshotAsync(admin, ct);
            var rebuilt = await Cli.RunAsync(ct, "rebuild", "--connection", app);
            if (rebuilt.ExitCode != 0)
            {
                findings.Other.Add($"ledger rebuild exited {rebuilt.ExitCode}: {rebuilt.Output.Trim()}");
            }
            else
            {
                var differences = LedgerCheck.Differences(live, await LedgerCheck.SnapshotAsync(admin, ct));
                readModelsEqual = differences.Count == 0;
                findings.Other.AddRange(differences.Select(d => "read model differs from its rebuild: " + d));
                log($"ledger rebuild: {live.Count} read-model tables, {live.Values.Sum(t => t.Count)} rows; {differences.Count} differ");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            findings.Other.Add($"the run could not finish: {e.Message}");
            faultPhase = TimeSpan.Zero;
        }
        finally
        {
            await api.KillAsync();
            File.Delete(publicKeyFile);
            Directory.Delete(dataDirectory, recursive: true);
        }
        var answers = workload.Answers;
        return new ChaosReport(options, answers.Count, setUp, answers.Count(a => a.Acknowledged), answers.Count(a => a.Acknowledged && a.Result!.Replayed),
            counters, kills, restarts, events, findings.Missing.Count, findings.Duplicates.Count, findings.Refused.Count, chainsVerified, schools.Count,
            readModelsEqual, [.. findings.All], faultPhase, total.Elapsed);
    }

    static TimeSpan Between(Random random, TimeSpan min, TimeSpan max) =>
        TimeSpan.FromMilliseconds(random.Next((int)min.TotalMilliseconds, (int)max.TotalMilliseconds + 1));

    [GeneratedRegex(@"Headteacher enrolled: person ([0-9a-f-]{36})")]
    private static partial Regex HeadteacherLine();
}
