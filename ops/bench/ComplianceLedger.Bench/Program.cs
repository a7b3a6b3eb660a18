using System.Diagnostics;
using System.Globalization;
using ComplianceLedger.Bench;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Import;
using ComplianceLedger.EventStore.LocalPostgres;
using ComplianceLedger.EventStore.Migrations;
using ComplianceLedger.EventStore.Verification;
using Npgsql;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.Out.WriteLine(Options.Usage);
    return 0;
}

Options options;
try
{
    options = Options.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
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
var total = Stopwatch.StartNew();

string? resultsFile = null;
if (options.ResultsDirectory is { } dir)
{
    Directory.CreateDirectory(dir);
    resultsFile = Path.Combine(dir, $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}{(options.Quick ? "-quick" : "")}.jsonl");
}
var report = new Report(resultsFile);

var root = Path.Combine(Path.GetTempPath(), $"ledger-bench-{Guid.NewGuid():N}"[..25]);
Report.Log($"starting a throwaway durable PostgreSQL cluster in {root}");
await using var cluster = await LocalCluster.StartAsync(root, throwaway: true, durable: true, ct);

var environment = await DescribeAsync(cluster, ct);
var meter = new CpuMeter(cluster);
Report.Log($"{(options.Quick ? "quick" : "full")} run: {options.Writers} writers, {options.Rounds} round(s) of {options.Duration.TotalSeconds:0} s after {options.Warmup.TotalSeconds:0} s warm-up; {environment}");
Report.Log($"load average before: {LoadAverage()}");

if (options.Runs("append") || options.Runs("one-tenant"))
{
    await RunAppendsAsync();
}
if (options.Runs("import"))
{
    await RunImportsAsync();
}

Report.Log($"done in {total.Elapsed.TotalSeconds:0.0} s; load average after: {LoadAverage()}");
return 0;

async Task RunAppendsAsync()
{
    const string database = "bench_append";
    await CreateDatabaseAsync(database);
    var bench = new AppendBenchmark(cluster, meter, database, options);
    await bench.CreateBaselineTablesAsync(ct);
    await using var app = AppDataSource(database);
    var store = new LedgerStore(app, TimeProvider.System);

    // Warm up both sides once: the server's caches, and the store's code past the JIT's tiers.
    var plainScript = bench.PlainInsertScript();
    Report.Log("warming up pgbench and the store");
    await bench.PgbenchAsync(plainScript, options.Warmup, ct);
    await bench.RunStoreAsync(store, options.Tenants, options.StoreWarmup, TimeSpan.Zero, ct);

    var plain = new List<Pgbench.Result>();
    var chained = new List<Pgbench.Result>();
    var chainedOne = new List<Pgbench.Result>();
    var function = new List<Pgbench.Result>();
    var spread = new List<AppendBenchmark.StoreRun>();
    var one = new List<AppendBenchmark.StoreRun>();
    for (var round = 1; round <= options.Rounds; round++)
    {
        // Short rounds that alternate the baseline and the store, in reverse order every other
        // round, so a disturbance (another build on the machine) hits both sides alike.
        var r = round;
        var steps = new List<Func<Task>>
        {
            async () =>
            {
                plain.Add(await bench.PgbenchAsync(plainScript, options.Duration, ct));
                Report.Log($"round {r}: pgbench plain INSERT {plain[^1].Tps:0}/s (cpu/tx: server {plain[^1].ServerCpuUsPerTx:0} us, client {plain[^1].ClientCpuUsPerTx:0} us)");
            },
        };
        if (options.Runs("append"))
        {
            steps.Add(async () =>
            {
                spread.Add(await bench.RunStoreAsync(store, options.Tenants, options.Warmup, options.Duration, ct));
                Report.Log($"round {r}: store, {options.Tenants} tenants {spread[^1].PerSecond:0}/s (p50 {spread[^1].P50Ms} ms, p99 {spread[^1].P99Ms} ms; cpu/event: server {spread[^1].ServerCpuUsPerEvent:0} us, client {spread[^1].ClientCpuUsPerEvent:0} us)");
            });
        }
        if (options.Runs("one-tenant"))
        {
            steps.Add(async () =>
            {
                one.Add(await bench.RunStoreAsync(store, 1, options.Warmup, options.Duration, ct));
                Report.Log($"round {r}: store, one tenant {one[^1].PerSecond:0}/s (p50 {one[^1].P50Ms} ms, p99 {one[^1].P99Ms} ms; cpu/event: server {one[^1].ServerCpuUsPerEvent:0} us, client {one[^1].ClientCpuUsPerEvent:0} us)");
            });
        }
        if (options.Reference)
        {
            steps.Add(async () =>
            {
                chained.Add(await bench.PgbenchAsync(AppendBenchmark.ChainedInsertScript(options.Tenants), options.Duration, ct));
                Report.Log($"round {r}: pgbench INSERT + head UPDATE {chained[^1].Tps:0}/s");
            });
            steps.Add(async () =>
            {
                chainedOne.Add(await bench.PgbenchAsync(AppendBenchmark.ChainedInsertScript(1), options.Duration, ct));
                Report.Log($"round {r}: pgbench INSERT + head UPDATE, one tenant {chainedOne[^1].Tps:0}/s");
            });
            steps.Add(async () =>
            {
                function.Add(await bench.PgbenchAsync(AppendBenchmark.FunctionScript(options.Tenants), options.Duration, ct));
                Report.Log($"round {r}: pgbench calling ledger.append_events {function[^1].Tps:0}/s (cpu/tx: server {function[^1].ServerCpuUsPerTx:0} us)");
            });
        }
        if (round % 2 == 0)
        {
            steps.Reverse();
        }
        foreach (var step in steps)
        {
            await CheckpointAsync(database);
            await step();
        }
    }

    var baseline = plain.Average(r => r.Tps);
    string Paired(IEnumerable<double> values) => $"median of per-round ratios {Median(values.Zip(plain, (v, p) => v / p.Tps)):0.000}";
    var shape = $"{options.Writers} writers, 1 event per transaction, durable commit (fsync on, synchronous_commit on), {options.Rounds}x{options.Duration.TotalSeconds:0} s";
    if (spread.Count > 0)
    {
        report.Add(Figure.Compared("store_append_events_per_s", spread.Average(r => r.PerSecond), "events/s", baseline, 0.70,
            $"LedgerStore.AppendAsync as ledger_app, {options.Tenants} tenants, random streams of {Workload.StreamsPerTenant} per tenant, command ids; {shape}; " +
            $"p50 {spread.Average(r => r.P50Ms):0.00} ms, p99 {spread.Average(r => r.P99Ms):0.00} ms; " +
            $"CPU per event: server {spread.Average(r => r.ServerCpuUsPerEvent):0} us, client {spread.Average(r => r.ClientCpuUsPerEvent):0} us; rounds {Rounds(spread.Select(r => r.PerSecond))}, {Paired(spread.Select(r => r.PerSecond))}; " +
            "baseline: pgbench plain INSERT of the same row shape (LIKE ledger.events INCLUDING ALL)"));
    }
    if (one.Count > 0)
    {
        report.Add(Figure.Compared("store_append_events_per_s_one_tenant", one.Average(r => r.PerSecond), "events/s", baseline, null,
            $"as store_append_events_per_s but every writer on one tenant, so appends serialise on its chain head (design card expects ~0.38 for raw INSERT+UPDATE); " +
            $"p50 {one.Average(r => r.P50Ms):0.00} ms, p99 {one.Average(r => r.P99Ms):0.00} ms; " +
            $"CPU per event: server {one.Average(r => r.ServerCpuUsPerEvent):0} us, client {one.Average(r => r.ClientCpuUsPerEvent):0} us; rounds {Rounds(one.Select(r => r.PerSecond))}, {Paired(one.Select(r => r.PerSecond))}"));
    }
    report.Add(Figure.Raw("pgbench_insert_per_s", baseline, "rows/s",
        $"pgbench -M prepared -c {options.Writers}, plain INSERT into LIKE ledger.events INCLUDING ALL, {options.Tenants} tenants, jsonb parsed per row; {shape}; " +
        $"latency {plain.Average(r => r.LatencyMs):0.00} ms; CPU per row: server {plain.Average(r => r.ServerCpuUsPerTx):0} us, pgbench {plain.Average(r => r.ClientCpuUsPerTx):0} us; " +
        $"rounds {Rounds(plain.Select(r => r.Tps))}"));
    if (chained.Count > 0)
    {
        report.Add(Figure.Compared("pgbench_insert_update_head_per_s", chained.Average(r => r.Tps), "rows/s", baseline, null,
            $"design card reference: INSERT plus UPDATE of the tenant's head row in one statement, {options.Tenants} tenants (card: ~0.74); rounds {Rounds(chained.Select(r => r.Tps))}, {Paired(chained.Select(r => r.Tps))}"));
        report.Add(Figure.Compared("pgbench_insert_update_head_per_s_one_tenant", chainedOne.Average(r => r.Tps), "rows/s", baseline, null,
            $"design card reference: as above, one tenant (card: ~0.38); rounds {Rounds(chainedOne.Select(r => r.Tps))}, {Paired(chainedOne.Select(r => r.Tps))}"));
        report.Add(Figure.Compared("pgbench_append_function_per_s", function.Average(r => r.Tps), "events/s", baseline, null,
            $"the store's database side alone: pgbench (C client, prepared) calling ledger.append_events as LedgerStore does, {options.Tenants} tenants; " +
            $"server CPU {function.Average(r => r.ServerCpuUsPerTx):0} us/event vs {plain.Average(r => r.ServerCpuUsPerTx):0} for the plain INSERT; rounds {Rounds(function.Select(r => r.Tps))}, {Paired(function.Select(r => r.Tps))}"));
    }

    var verified = await new LedgerVerifier(app).VerifyTenantAsync(Workload.Tenant(0), new Dictionary<string, byte[]>(), ct: ct);
    Report.Log($"chain of tenant {Workload.Tenant(0)} after the run: {verified.EventsChecked} events, {(verified.Holds ? "verifies" : "DOES NOT VERIFY: " + verified.Problems[0])}");
    if (!verified.Holds)
    {
        throw new InvalidOperationException("The benchmark's own chain does not verify.");
    }
}

async Task RunImportsAsync()
{
    var importRuns = new List<double>();
    var baselineRuns = new List<double>();
    var bench = default(ImportBenchmark);
    for (var round = 1; round <= options.ImportRounds; round++)
    {
        // A fresh database each round: both sides write into empty tables with the same indexes.
        var database = $"bench_import_{round}";
        await CreateDatabaseAsync(database);
        bench = new ImportBenchmark(cluster, database, options);
        var events = bench.Events();
        await using var app = AppDataSource(database);

        // Baseline first in odd rounds, importer first in even ones.
        var baselineElapsed = TimeSpan.Zero;
        var elapsed = TimeSpan.Zero;
        long imported = 0;
        for (var turn = 0; turn < 2; turn++)
        {
            await CheckpointAsync(database);
            if ((turn == 0) == (round % 2 == 1))
            {
                baselineElapsed = await bench.RunBaselineAsync(ct);
            }
            else
            {
                ImportResult result;
                (elapsed, result) = await ImportBenchmark.RunImportAsync(app, events, ct);
                imported = result.EventCount;
            }
        }
        baselineRuns.Add(options.ImportEvents / baselineElapsed.TotalSeconds);
        importRuns.Add(imported / elapsed.TotalSeconds);
        Report.Log($"round {round}: import {options.ImportEvents} events in {elapsed.TotalSeconds:0.00} s ({importRuns[^1]:0}/s), INSERT … SELECT in {baselineElapsed.TotalSeconds:0.00} s ({baselineRuns[^1]:0}/s)");

        if (round == 1)
        {
            var verified = await new LedgerVerifier(app).VerifyTenantAsync(ImportBenchmark.Tenant, new Dictionary<string, byte[]>(), ct: ct);
            Report.Log($"imported chain: {verified.EventsChecked} events, {(verified.Holds ? "verifies" : "DOES NOT VERIFY: " + verified.Problems[0])}");
            if (!verified.Holds || verified.EventsChecked != options.ImportEvents)
            {
                throw new InvalidOperationException("The imported chain does not verify.");
            }
        }
        await DropDatabaseAsync(database);
    }

    var baseline = baselineRuns.Average();
    report.Add(Figure.Compared("bulk_import_events_per_s", importRuns.Average(), "events/s", baseline, 0.60,
        $"BulkImporter (validation, canonical JSON, digests, links, binary COPY, stream upsert, head update, one transaction) as ledger_app, " +
        $"{options.ImportEvents} events over {bench!.Streams} streams of one tenant, each with a command id; rounds {Rounds(importRuns)}, " +
        $"median of per-round ratios {Median(importRuns.Zip(baselineRuns, (i, b) => i / b)):0.000}; " +
        "baseline: one INSERT … SELECT … FROM generate_series of as many rows of the same shape into LIKE ledger.events INCLUDING ALL"));
    report.Add(Figure.Raw("insert_select_rows_per_s", baseline, "rows/s",
        $"set-based INSERT … SELECT of {options.ImportEvents} rows, jsonb parsed per row, hashes by sha256(); rounds {Rounds(baselineRuns)}"));
}

NpgsqlDataSource AppDataSource(string database)
{
    var connectionString = cluster.AppConnectionString(database);
    if (options.ConnectionOptions is { } extra)
    {
        connectionString += ";" + extra;
    }
    // The data source the application is meant to use (LedgerDataSource), plus any settings under test.
    return LedgerDataSource.Create(connectionString, b => b.ConnectionStringBuilder.MaxPoolSize = Math.Max(20, options.Writers * 2));
}

async Task CreateDatabaseAsync(string database)
{
    await cluster.EnsureDatabaseAsync(database, ct);
    await LedgerMigrator.MigrateAsync(cluster.AdminConnectionString(database), ct: ct);
}

async Task DropDatabaseAsync(string database)
{
    NpgsqlConnection.ClearAllPools();
    await AdminAsync("postgres", $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
}

Task CheckpointAsync(string database) => AdminAsync(database, "CHECKPOINT");

async Task AdminAsync(string database, string sql)
{
    await using var connection = new NpgsqlConnection(cluster.AdminConnectionString(database));
    await connection.OpenAsync(ct);
    await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
    await command.ExecuteNonQueryAsync(ct);
}

static async Task<string> DescribeAsync(LocalCluster cluster, CancellationToken ct)
{
    await using var connection = new NpgsqlConnection(cluster.AdminConnectionString("postgres"));
    await connection.OpenAsync(ct);
    var settings = new List<string>();
    foreach (var name in new[] { "server_version", "fsync", "synchronous_commit", "wal_sync_method", "full_page_writes", "shared_buffers", "max_wal_size" })
    {
        await using var show = new NpgsqlCommand($"SHOW {name}", connection);
        settings.Add($"{name}={await show.ExecuteScalarAsync(ct)}");
    }
    var memory = File.Exists("/proc/meminfo")
        ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]
        : null;
    var memoryText = memory is null ? "?" : $"{long.Parse(memory, CultureInfo.InvariantCulture) / 1024 / 1024.0:0.0} GiB";
    return $"nproc={Environment.ProcessorCount}, memory={memoryText}, {string.Join(", ", settings)}";
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static string Rounds(IEnumerable<double> values) => string.Join(" / ", values.Select(v => v.ToString("0", CultureInfo.InvariantCulture)));
