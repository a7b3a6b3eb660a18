using System.Diagnostics;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.LocalPostgres;
using Npgsql;

namespace ComplianceLedger.Bench;

/// <summary>
/// Durable single-event appends: <see cref="LedgerStore.AppendAsync"/> from concurrent writers
/// against pgbench inserting rows of the same shape into a table with the same indexes.
/// </summary>
sealed class AppendBenchmark(LocalCluster cluster, CpuMeter meter, string database, Options options)
{
    const string Columns = "tenant, chain_position, stream_id, stream_version, event_id, event_type, data, actor, correlation_id, causation_id, command_id, recorded_at, prev_hash, hash";
    static readonly string ZeroHash = "'\\x" + new string('0', 64) + "'::bytea";
    static readonly string SomeHash = "'\\x" + string.Concat(Enumerable.Repeat("5a", 32)) + "'::bytea";

    public sealed record StoreRun(double PerSecond, long Appends, double P50Ms, double P99Ms, TimeSpan ServerCpu, TimeSpan ClientCpu)
    {
        public double ServerCpuUsPerEvent => ServerCpu.TotalMicroseconds / Math.Max(1, Appends);
        public double ClientCpuUsPerEvent => ClientCpu.TotalMicroseconds / Math.Max(1, Appends);
    }

    /// <summary>
    /// Tables of exactly the hand-written store's events table (columns, types, defaults and
    /// indexes, LIKE … INCLUDING ALL), for the baselines: the same row shape the figures were
    /// compared with before the store moved onto Marten's table.
    /// </summary>
    public async Task CreateBaselineTablesAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(cluster.AdminConnectionString(database));
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            CREATE SCHEMA bench;
            CREATE TABLE bench.events_plain (LIKE ledger.events_before_marten INCLUDING ALL);
            CREATE TABLE bench.events_chained (LIKE ledger.events_before_marten INCLUDING ALL);
            CREATE SEQUENCE bench.positions;
            CREATE TABLE bench.heads (tenant text PRIMARY KEY, position bigint NOT NULL, hash bytea NOT NULL);
            INSERT INTO bench.heads SELECT (100001 + g)::text, 0, {ZeroHash} FROM generate_series(0, {options.Tenants - 1}) g;
            -- The pgbench run into Marten's table starts, like the store's after its warm-up, with its streams in place.
            INSERT INTO marten.mt_streams (tenant_id, id, type, version, timestamp, created)
            SELECT (200001 + t)::text, 'person-' || s, '{Workload.StreamType}', 0, now(), now()
              FROM generate_series(0, {options.Tenants - 1}) t, generate_series(0, {Workload.StreamsPerTenant - 1}) s;
            """, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>One plain INSERT per transaction, the row as the store writes it, to a random one of the tenants.</summary>
    public string PlainInsertScript() => $"""
        \set t random(0, {options.Tenants - 1})
        \set s random(0, {Workload.StreamsPerTenant - 1})
        INSERT INTO bench.events_plain ({Columns}) VALUES ((100001 + :t)::text, nextval('bench.positions'), 'person-' || :s, nextval('bench.positions'), gen_random_uuid(), '{Workload.EventType}', {Workload.PayloadSql("gen_random_uuid()")}, '{Workload.Actor}', 'corr-' || gen_random_uuid(), NULL, 'cmd-' || gen_random_uuid(), now(), {ZeroHash}, {SomeHash});

        """;

    /// <summary>The design card's reference: the INSERT plus an UPDATE of the tenant's chain-head row, in one statement.</summary>
    public static string ChainedInsertScript(int tenants) => $"""
        \set t random(0, {tenants - 1})
        \set s random(0, {Workload.StreamsPerTenant - 1})
        WITH head AS (UPDATE bench.heads SET position = position + 1 WHERE tenant = (100001 + :t)::text RETURNING tenant, position) INSERT INTO bench.events_chained ({Columns}) SELECT head.tenant, head.position, 'person-' || :s, nextval('bench.positions'), gen_random_uuid(), '{Workload.EventType}', {Workload.PayloadSql("gen_random_uuid()")}, '{Workload.Actor}', 'corr-' || gen_random_uuid(), NULL, 'cmd-' || gen_random_uuid(), now(), {ZeroHash}, {SomeHash} FROM head;

        """;

    /// <summary>
    /// The store's server side alone: pgbench doing in one statement what Marten's append function
    /// does for one event (bump the stream's version, insert the event), the chain trigger
    /// chaining it, on tenants 200001… so the verified chains are not touched. Separates the
    /// database's cost of an append from the .NET client's.
    /// </summary>
    public static string FunctionScript(int tenants) => $"""
        \set t random(0, {tenants - 1})
        \set s random(0, {Workload.StreamsPerTenant - 1})
        WITH s AS (UPDATE marten.mt_streams SET version = version + 1, timestamp = now() WHERE tenant_id = (200001 + :t)::text AND id = 'person-' || :s RETURNING tenant_id, id, version) INSERT INTO marten.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, correlation_id, headers, user_name) SELECT nextval('marten.mt_events_sequence'), gen_random_uuid(), s.id, s.version, {Workload.PayloadSql("gen_random_uuid()")}, '{Workload.EventType}', now(), s.tenant_id, 'ledger', 'corr-' || gen_random_uuid(), jsonb_build_object('commandId', 'cmd-' || gen_random_uuid()), '{Workload.Actor}' FROM s;

        """;

    public Task<Pgbench.Result> PgbenchAsync(string script, TimeSpan duration, CancellationToken ct) =>
        Pgbench.RunAsync(cluster, meter, database, script, options.Writers, duration, ct);

    /// <summary>Writers append one event per call to random streams of the first <paramref name="tenants"/> tenants; counts appends completed in the window after the warm-up.</summary>
    public async Task<StoreRun> RunStoreAsync(LedgerStore store, int tenants, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        var measuring = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var latencies = new List<double>[options.Writers];
        var writers = Enumerable.Range(0, options.Writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var mine = latencies[w] = new List<double>(1 << 16);
            while (!stop.IsCancellationRequested)
            {
                var request = new AppendRequest(
                    Workload.Tenant(random.Next(tenants)), Workload.Stream(random.Next(Workload.StreamsPerTenant)), Workload.StreamType,
                    ExpectedVersion.Any, [new NewEvent(Workload.EventType, Workload.Payload(Guid.NewGuid()))],
                    new EventMetadata(Workload.Actor, CorrelationId: "corr-" + Guid.NewGuid(), CommandId: "cmd-" + Guid.NewGuid()));
                var started = Stopwatch.GetTimestamp();
                await store.AppendAsync(request, CancellationToken.None);
                if (Volatile.Read(ref measuring) == 1)
                {
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }, CancellationToken.None)).ToArray();

        await Task.Delay(warmup, ct);
        var before = meter.Read();
        Volatile.Write(ref measuring, 1);
        var window = Stopwatch.StartNew();
        await Task.Delay(duration, ct);
        Volatile.Write(ref measuring, 0);
        var elapsed = window.Elapsed;
        var after = meter.Read();
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new StoreRun(all.Length / elapsed.TotalSeconds, all.Length, Percentile(all, 0.50), Percentile(all, 0.99),
            after.Server - before.Server, after.Client - before.Client);
    }

    static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))], 2);
}
