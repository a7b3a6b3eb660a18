using System.Diagnostics;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Import;
using ComplianceLedger.EventStore.LocalPostgres;
using Npgsql;

namespace ComplianceLedger.Bench;

/// <summary>
/// <see cref="BulkImporter"/> over one tenant's history against a set-based
/// <c>INSERT … SELECT … FROM generate_series</c> of as many rows of the same shape into a
/// table with the same indexes, both into empty tables of a fresh database.
/// </summary>
sealed class ImportBenchmark(LocalCluster cluster, string database, Options options)
{
    public const string Tenant = "100001";
    public int Streams => Math.Max(1, options.ImportEvents / 10);

    /// <summary>The import's input, built before the clock starts: events round-robin over the streams, each with its own command.</summary>
    public List<ImportEvent> Events()
    {
        var start = new DateTimeOffset(2025, 9, 1, 8, 0, 0, TimeSpan.Zero);
        var events = new List<ImportEvent>(options.ImportEvents);
        for (var i = 0; i < options.ImportEvents; i++)
        {
            events.Add(new ImportEvent(
                Workload.Stream(i % Streams), Workload.StreamType,
                new NewEvent(Workload.EventType, Workload.Payload(Guid.NewGuid())),
                new EventMetadata(Workload.Actor, CorrelationId: "corr-" + Guid.NewGuid(), CommandId: "cmd-" + Guid.NewGuid()),
                start.AddMilliseconds(i * 10.0)));
        }
        return events;
    }

    public static async Task<(TimeSpan Elapsed, ImportResult Result)> RunImportAsync(NpgsqlDataSource app, List<ImportEvent> events, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var result = await new BulkImporter(app).ImportAsync(Tenant, events, ct: ct);
        return (clock.Elapsed, result);
    }

    public async Task<TimeSpan> RunBaselineAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(cluster.AdminConnectionString(database));
        await connection.OpenAsync(ct);
        await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS public.import_plain (LIKE ledger.events_before_marten INCLUDING ALL)", connection))
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        await using var insert = new NpgsqlCommand($"""
            INSERT INTO public.import_plain (tenant, chain_position, stream_id, stream_version, event_id, event_type, data, actor,
                                             correlation_id, causation_id, command_id, recorded_at, prev_hash, hash)
            SELECT '{Tenant}', g, 'person-' || (g % {Streams}), g / {Streams} + 1, gen_random_uuid(), '{Workload.EventType}',
                   {Workload.PayloadSql("gen_random_uuid()")}, '{Workload.Actor}', 'corr-' || gen_random_uuid(), NULL,
                   'cmd-' || gen_random_uuid(), now(), sha256(int8send(g - 1)), sha256(int8send(g))
              FROM generate_series(1, {options.ImportEvents}) g
            """, connection)
        { CommandTimeout = 0 };
        var clock = Stopwatch.StartNew();
        await insert.ExecuteNonQueryAsync(ct);
        return clock.Elapsed;
    }
}
