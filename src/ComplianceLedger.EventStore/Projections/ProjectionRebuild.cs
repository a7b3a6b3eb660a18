using System.Diagnostics;
using Npgsql;

namespace ComplianceLedger.EventStore.Projections;

/// <summary>Where a rebuild has got to, for a progress bar.</summary>
/// <param name="Replayed">Events replayed so far.</param>
/// <param name="Total">The events the ledger held (for the tenant) when the rebuild began.</param>
public sealed record RebuildProgress(RebuildPhase Phase, long Replayed, long Total);

public enum RebuildPhase
{
    /// <summary>Replaying into shadow tables; the live read models serve as before.</summary>
    Replaying,

    /// <summary>Catching up and swapping the rows in, one transaction that holds writers back.</summary>
    Swapping,

    Done,
}

/// <summary>What a rebuild did.</summary>
/// <param name="Events">Events replayed, catch-up included.</param>
/// <param name="CaughtUp">Of those, events committed while the replay ran, applied at the swap.</param>
public sealed record RebuildResult(long Events, long CaughtUp, int Tenants, IReadOnlyList<string> Swapped, TimeSpan Replay, TimeSpan Swap);

/// <summary>A projection name the rebuild does not know.</summary>
public sealed class UnknownProjectionException(string name, IEnumerable<string> known)
    : ArgumentException($"There is no projection called \"{name}\"; the projections are {string.Join(", ", known)}.")
{
    public string Name { get; } = name;
}

/// <summary>A tenant with no events in the ledger.</summary>
public sealed class UnknownTenantException(string tenant) : ArgumentException($"The ledger holds no events for tenant {tenant}.")
{
    public string Tenant { get; } = tenant;
}

/// <summary>
/// Rebuilds read models from the ledger without taking them away from readers. Every projection
/// (the chosen ones read the others' tables) replays into copies of the <c>rm</c> tables while the
/// live tables serve as before. A full rebuild (every read model, every tenant) replays into
/// tables of <c>rm_shadow</c> on two connections at once, each a range of tenants, builds their
/// indexes and swaps the tables in whole; a rebuild of one tenant or of some projections replays
/// into session-temporary copies and replaces the chosen rows. Either way the swap is one
/// transaction that locks the progress rows and the live tables, applies the events committed
/// meanwhile and moves async projections' checkpoints to the end of what it replayed.
/// </summary>
public static class ProjectionRebuild
{
    const int Page = 5000;

    // Connections replaying disjoint tenant ranges at once: the client's projection code and the
    // server's writes of one overlap with the other's (2 cores here).
    const int Workers = 2;

    // A full rebuild's shadow tables are shared by name: one at a time ("LEDGERRB").
    const long ShadowLock = 0x4C45444745525242;

    /// <param name="projections">Every projection, in application order (dependencies first).</param>
    /// <param name="chosen">Names of the projections to swap in; all when null or empty.</param>
    /// <param name="tenant">The one tenant to rebuild; every tenant when null.</param>
    public static async Task<RebuildResult> RunAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<IProjection> projections, IReadOnlyCollection<string>? chosen = null, string? tenant = null,
        Action<RebuildProgress>? progress = null, CancellationToken ct = default)
    {
        var swapped = Choose(projections, chosen);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var total = await TotalAsync(connection, tenant, ct);
        if (tenant is not null && total == 0)
        {
            throw new UnknownTenantException(tenant);
        }
        var tables = projections.SelectMany(p => p.Tables).Select(t => t.Name).Distinct().ToList();
        var reporter = new Reporter(progress, total);
        // Whole tables can only be swapped when every row of them is rebuilt.
        return tenant is null && swapped.Count == projections.Count
            ? await ShadowRebuildAsync(dataSource, connection, projections, tables, reporter, ct)
            : await TemporaryRebuildAsync(dataSource, connection, projections, swapped, tenant, tables, reporter, ct);
    }

    static async Task<RebuildResult> TemporaryRebuildAsync(
        NpgsqlDataSource dataSource, NpgsqlConnection connection, IReadOnlyList<IProjection> projections, IReadOnlyList<IProjection> swapped,
        string? tenant, List<string> tables, Reporter reporter, CancellationToken ct)
    {
        try
        {
            await PrepareAsync(connection, tables, ct);
            var clock = Stopwatch.StartNew();
            var marks = new Dictionary<string, Mark>(StringComparer.Ordinal);
            var replayed = await ReplayAsync(dataSource, connection, projections, ProjectionTarget.TemporarySchema, new TenantRange(tenant, tenant), marks, reporter, ct);
            var replay = clock.Elapsed;
            reporter.Report(RebuildPhase.Swapping, replayed);
            var caughtUp = await SwapAsync(connection, projections, swapped, tenant, marks, null, ct);
            reporter.Report(RebuildPhase.Done, replayed + caughtUp);
            return new RebuildResult(replayed + caughtUp, caughtUp, marks.Count, [.. swapped.Select(p => p.Name)], replay, clock.Elapsed - replay);
        }
        finally
        {
            // Pooled connections outlive this call: leave nothing behind in the session.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var drop = new NpgsqlCommand(string.Join(";", tables.Select(t => $"DROP TABLE IF EXISTS {ProjectionTarget.TemporarySchema}.{t}")), connection);
                await drop.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
    }

    static async Task<RebuildResult> ShadowRebuildAsync(
        NpgsqlDataSource dataSource, NpgsqlConnection connection, IReadOnlyList<IProjection> projections, List<string> tables, Reporter reporter,
        CancellationToken ct)
    {
        var names = tables.ToArray();
        await ExecuteAsync(connection, "SELECT pg_advisory_lock($1)", ShadowLock, ct);
        var shadowed = false;
        try
        {
            var clock = Stopwatch.StartNew();
            await using (var create = new NpgsqlCommand("SELECT rm.rebuild_shadow_create($1, $2)", connection))
            {
                // A table is loaded unkeyed only if no projection upserts into it.
                var insertOnly = projections.SelectMany(p => p.Tables).GroupBy(t => t.Name).Where(g => g.All(t => t.InsertOnly)).Select(g => g.Key).ToArray();
                create.Parameters.Add(new NpgsqlParameter { Value = names });
                create.Parameters.Add(new NpgsqlParameter { Value = insertOnly });
                await create.ExecuteNonQueryAsync(ct);
            }
            shadowed = true;
            var ranges = await RangesAsync(connection, ct);
            // One range failing stops the others: the rebuild is lost either way.
            using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var replays = ranges.Select(async range =>
            {
                try
                {
                    await using var writer = await dataSource.OpenConnectionAsync(failed.Token);
                    var marks = new Dictionary<string, Mark>(StringComparer.Ordinal);
                    var count = await ReplayAsync(dataSource, writer, projections, ProjectionTarget.ShadowSchema, range, marks, reporter, failed.Token);
                    return (count, marks);
                }
                catch
                {
                    await failed.CancelAsync();
                    throw;
                }
            }).ToList();
            var replaying = Task.WhenAll(replays);
            (long count, Dictionary<string, Mark> marks)[] done;
            try
            {
                done = await replaying;
            }
            catch (OperationCanceledException) when (replaying.Exception?.InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException) is { } cause)
            {
                // The range that failed, not the one stopped because of it.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
                throw;
            }
            var replayed = done.Sum(d => d.count);
            var all = done.SelectMany(d => d.marks).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
            await FinishAsync(dataSource, connection, names, ct);
            var replay = clock.Elapsed;
            reporter.Report(RebuildPhase.Swapping, replayed);
            var caughtUp = await SwapAsync(connection, projections, projections, null, all, names, ct);
            shadowed = false;
            reporter.Report(RebuildPhase.Done, replayed + caughtUp);
            return new RebuildResult(replayed + caughtUp, caughtUp, all.Count, [.. projections.Select(p => p.Name)], replay, clock.Elapsed - replay);
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                if (shadowed)
                {
                    await ExecuteAsync(connection, "SELECT rm.rebuild_shadow_drop($1)", names, CancellationToken.None);
                }
                await ExecuteAsync(connection, "SELECT pg_advisory_unlock($1)", ShadowLock, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Builds the shadow tables' indexes and statistics on two connections at once, the tables
    /// shared out by size (the largest alone, as a rule): each build runs in one backend, so one
    /// connection would leave the other core idle.
    /// </summary>
    static async Task FinishAsync(NpgsqlDataSource dataSource, NpgsqlConnection connection, string[] names, CancellationToken ct)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
            $"SELECT t, pg_total_relation_size(format('{ProjectionTarget.ShadowSchema}.%I', t)::regclass) FROM unnest($1::text[]) AS t", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = names });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                sizes[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        var (first, second) = (new List<string>(), new List<string>());
        long firstSize = 0, secondSize = 0;
        foreach (var name in names.OrderByDescending(n => sizes.GetValueOrDefault(n)).ThenBy(n => n, StringComparer.Ordinal))
        {
            if (firstSize <= secondSize)
            {
                first.Add(name);
                firstSize += sizes.GetValueOrDefault(name);
            }
            else
            {
                second.Add(name);
                secondSize += sizes.GetValueOrDefault(name);
            }
        }
        await using var other = await dataSource.OpenConnectionAsync(ct);
        await Task.WhenAll(
            ExecuteAsync(connection, "SELECT rm.rebuild_shadow_finish($1)", first.ToArray(), ct),
            second.Count > 0 ? ExecuteAsync(other, "SELECT rm.rebuild_shadow_finish($1)", second.ToArray(), ct) : Task.CompletedTask);
    }

    /// <summary>Contiguous tenant ranges holding about the same number of events each; the first and last are open-ended.</summary>
    static async Task<List<TenantRange>> RangesAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var heads = new List<(string Tenant, long Events)>();
        await using (var command = new NpgsqlCommand("SELECT tenant, position FROM ledger.chain_heads ORDER BY tenant", connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                heads.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }
        var total = heads.Sum(h => h.Events);
        var ranges = new List<TenantRange>();
        string? from = null;
        long sum = 0;
        for (var i = 0; i < heads.Count - 1 && ranges.Count < Workers - 1; i++)
        {
            sum += heads[i].Events;
            if (sum * Workers >= total * (ranges.Count + 1))
            {
                // Ranges are bounds in the database's own order of tenants, never compared here.
                ranges.Add(new TenantRange(from, heads[i].Tenant));
                from = heads[i + 1].Tenant;
            }
        }
        ranges.Add(new TenantRange(from, null));
        return ranges;
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, string sql, object arg, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter { Value = arg });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Replay progress from several connections, reported in order on one at a time.</summary>
    sealed class Reporter(Action<RebuildProgress>? progress, long total)
    {
        readonly Lock gate = new();
        long replayed;

        public void Replayed(long events)
        {
            lock (gate)
            {
                replayed += events;
                progress?.Invoke(new RebuildProgress(RebuildPhase.Replaying, replayed, total));
            }
        }

        public void Report(RebuildPhase phase, long events)
        {
            lock (gate)
            {
                progress?.Invoke(new RebuildProgress(phase, events, total));
            }
        }
    }

    /// <summary>Tenants from <see cref="From"/> to <see cref="To"/> inclusive; null is open-ended.</summary>
    sealed record TenantRange(string? From, string? To);

    /// <summary>The projections to swap, by name; all of them when none are named.</summary>
    public static IReadOnlyList<IProjection> Choose(IReadOnlyList<IProjection> projections, IReadOnlyCollection<string>? names)
    {
        if (names is null || names.Count == 0)
        {
            return projections;
        }
        foreach (var name in names)
        {
            if (!projections.Any(p => p.Name == name))
            {
                throw new UnknownProjectionException(name, projections.Select(p => p.Name));
            }
        }
        return [.. projections.Where(p => names.Contains(p.Name))];
    }

    sealed record Mark(long Position, long Count, DateTimeOffset RecordedAt);

    static async Task<long> TotalAsync(NpgsqlConnection connection, string? tenant, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT COALESCE(sum(position), 0)::bigint FROM ledger.chain_heads WHERE $1::text IS NULL OR tenant = $1", connection);
        command.Parameters.Add(Text(tenant));
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    static async Task PrepareAsync(NpgsqlConnection connection, List<string> tables, CancellationToken ct)
    {
        // Temporary tables live in the session's own buffers (8 MB by default); a rebuild's need
        // many more, and the setting can only change before the session's first temporary table.
        await using (var buffers = new NpgsqlCommand("SET temp_buffers = '1GB'", connection))
        {
            try
            {
                await buffers.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidParameterValue)
            {
                // The session has used temporary tables before: keep its buffers.
            }
        }
        var sql = string.Join(";\n", tables.Select(t =>
            $"DROP TABLE IF EXISTS pg_temp.{t}; CREATE TEMPORARY TABLE {t} (LIKE {ProjectionTarget.LiveSchema}.{t} INCLUDING ALL)"));
        await using var create = new NpgsqlCommand(sql, connection);
        await create.ExecuteNonQueryAsync(ct);
    }

    static readonly string[] ColumnNames =
    [
        "global_position", "tenant", "chain_position", "stream_id", "stream_version", "event_id", "event_type", "data::text",
        "actor", "correlation_id", "causation_id", "command_id", "recorded_at", "prev_hash", "hash",
    ];

    static readonly string Columns = string.Join(", ", ColumnNames);

    /// <summary>The rebuild's read of the ledger, without the paging: a benchmark's baseline.</summary>
    public static string OrderedRead { get; } = $"SELECT {Columns} FROM ledger.events ORDER BY tenant, chain_position";

    static async Task<long> ReplayAsync(
        NpgsqlDataSource dataSource, NpgsqlConnection connection, IReadOnlyList<IProjection> projections, string schema, TenantRange range,
        Dictionary<string, Mark> marks, Reporter reporter, CancellationToken ct)
    {
        // Pages are read on a second connection, the next while this one applies the last, so
        // the server reads while the client parses and the other way round.
        await using var reading = await dataSource.OpenConnectionAsync(ct);
        long replayed = 0;
        var lastTenant = "";
        var scope = new TenantReplay.Scope();
        var shared = new SharedStrings();
        var next = ReadPageAsync(reading, range, range.From ?? "", 0, shared, ct);
        while (true)
        {
            var events = await next;
            if (events.Count > 0)
            {
                next = ReadPageAsync(reading, range, events[^1].Tenant, events[^1].ChainPosition, shared, ct);
            }
            await using var transaction = await connection.BeginTransactionAsync(ct);
            using var release = new Releaser(transaction);
            // A page's commit need not wait for the disk: a crash loses the whole replay anyway,
            // and the swap's own commit is durable, and so is everything before it.
            await using (var asynchronous = new NpgsqlCommand("SET LOCAL synchronous_commit = off", connection, transaction))
            {
                await asynchronous.ExecuteNonQueryAsync(ct);
            }
            ProjectionTarget.RedirectTo(transaction, schema);
            ReplayBatch.Begin(transaction);
            TenantReplay.Attach(transaction, scope);
            if (events.Count == 0)
            {
                if (lastTenant.Length > 0)
                {
                    await TenantReplayedAsync(connection, transaction, projections, lastTenant, ct);
                }
                await ReplayBatch.FlushAsync(connection, transaction, ct);
                await transaction.CommitAsync(ct);
                return replayed;
            }
            foreach (var group in Tenants(events))
            {
                if (group.Tenant != lastTenant && lastTenant.Length > 0)
                {
                    await TenantReplayedAsync(connection, transaction, projections, lastTenant, ct);
                }
                await ApplyAsync(connection, transaction, projections, group.Events, marks, ct);
                lastTenant = group.Tenant;
            }
            await ReplayBatch.FlushAsync(connection, transaction, ct);
            await transaction.CommitAsync(ct);
            replayed += events.Count;
            reporter.Replayed(events.Count);
        }
    }

    /// <summary>Keyset pagination in (tenant, chain position) order: each tenant's events in chain order.</summary>
    static async Task<List<StoredEvent>> ReadPageAsync(
        NpgsqlConnection connection, TenantRange range, string afterTenant, long afterPosition, SharedStrings shared, CancellationToken ct)
    {
        var events = new List<StoredEvent>(Page);
        // A page is a walk of the chain's key joined to Marten's events one by one; planned in
        // parallel it took three to four times as long (7–12 ms against 25–40 ms for 5,000 events).
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var serial = new NpgsqlCommand("SET LOCAL max_parallel_workers_per_gather = 0", connection, transaction))
        {
            await serial.ExecuteNonQueryAsync(ct);
        }
        await using (var command = new NpgsqlCommand($"""
            SELECT {ReplayColumns} FROM ledger.events
             WHERE (tenant, chain_position) > ($1, $2) AND ($3::text IS NULL OR tenant <= $3)
             ORDER BY tenant, chain_position
             LIMIT $4
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = afterTenant });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterPosition });
            command.Parameters.Add(Text(range.To));
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Page });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                events.Add(ReadReplayEvent(reader, shared));
            }
        }
        await transaction.CommitAsync(ct);
        return events;
    }

    // Projections never read the hashes (inline, they are not even known yet): a replay leaves them out.
    static readonly string ReplayColumns = string.Join(", ", ColumnNames[..^2]);

    // The data is read as UTF-8 and parsed from that when a projection first reads it (no UTF-16
    // copy to parse again, and the parse lives only from the page's apply on); the tenant,
    // type, actor and stream of an event are shared with the events before it, so a page held
    // across collections keeps one copy of each rather than one per event.
    static StoredEvent ReadReplayEvent(NpgsqlDataReader r, SharedStrings shared) => new(
        r.GetInt64(0), shared.Of(r.GetString(1)), r.GetInt64(2), shared.Of(r.GetString(3)), r.GetInt64(4), r.GetGuid(5),
        shared.Of(r.GetString(6)), r.GetFieldValue<byte[]>(7), shared.Of(r.GetString(8)),
        r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10), r.IsDBNull(11) ? null : r.GetString(11),
        r.GetFieldValue<DateTimeOffset>(12), [], []);

    /// <summary>One instance of each recent string value, for one reader of the replay.</summary>
    sealed class SharedStrings
    {
        // A tenant's streams and types repeat; bounded so a huge ledger does not keep every stream name.
        const int Most = 8192;

        readonly HashSet<string> values = new(StringComparer.Ordinal);

        public string Of(string value)
        {
            if (values.TryGetValue(value, out var shared))
            {
                return shared;
            }
            if (values.Count >= Most)
            {
                values.Clear();
            }
            values.Add(value);
            return value;
        }
    }

    /// <summary>
    /// Npgsql hands out the same transaction object again on a pooled connection: leave it
    /// pointing at the live tables and writing at once, whatever happened.
    /// </summary>
    static void Release(NpgsqlTransaction transaction)
    {
        ReplayBatch.End(transaction);
        TenantReplay.Detach(transaction);
        ProjectionTarget.RedirectTo(transaction, ProjectionTarget.LiveSchema);
    }

    sealed class Releaser(NpgsqlTransaction transaction) : IDisposable
    {
        public void Dispose() => Release(transaction);
    }

    static IEnumerable<(string Tenant, List<StoredEvent> Events)> Tenants(List<StoredEvent> events)
    {
        var start = 0;
        for (var i = 1; i <= events.Count; i++)
        {
            if (i == events.Count || events[i].Tenant != events[start].Tenant)
            {
                yield return (events[start].Tenant, events.GetRange(start, i - start));
                start = i;
            }
        }
    }

    static async Task ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<IProjection> projections, List<StoredEvent> events,
        Dictionary<string, Mark> marks, CancellationToken ct)
    {
        foreach (var projection in projections)
        {
            var mine = events.Where(e => projection.Projects(e.EventType)).ToList();
            if (mine.Count > 0)
            {
                await projection.ApplyAsync(connection, transaction, mine, ct);
            }
        }
        var last = events[^1];
        marks[last.Tenant] = new Mark(last.ChainPosition, (marks.TryGetValue(last.Tenant, out var mark) ? mark.Count : 0) + events.Count, last.RecordedAt);
    }

    static async Task TenantReplayedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<IProjection> projections, string tenant, CancellationToken ct)
    {
        foreach (var projection in projections)
        {
            await projection.TenantReplayedAsync(connection, transaction, tenant, ct);
        }
    }

    /// <param name="shadow">The tables to swap in whole from <c>rm_shadow</c>; null to replace rows from the session's temporary tables.</param>
    /// <returns>The events caught up.</returns>
    static async Task<long> SwapAsync(
        NpgsqlConnection connection, IReadOnlyList<IProjection> projections, IReadOnlyList<IProjection> swapped, string? tenant,
        Dictionary<string, Mark> marks, string[]? shadow, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        using var release = new Releaser(transaction);
        var asynchronous = swapped.Where(p => p.Mode == ProjectionMode.Async).Select(p => p.Name).ToArray();

        // The daemon's lock order: progress rows, then read-model tables. The rows are made first
        // where missing: a row the daemon inserted meanwhile would otherwise be ours only at the
        // checkpoint move, after the tables, while the daemon waits for a table: a deadlock.
        if (asynchronous.Length > 0)
        {
            await using var progressRows = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new("""
                        INSERT INTO ledger.projection_progress (projection, tenant)
                        SELECT p, h.tenant FROM unnest($1::text[]) AS p CROSS JOIN ledger.chain_heads h
                         WHERE $2::text IS NULL OR h.tenant = $2
                         ORDER BY 1, 2
                        ON CONFLICT DO NOTHING
                        """) { Parameters = { new() { Value = asynchronous }, Text(tenant) } },
                    new("""
                        SELECT 1 FROM ledger.projection_progress WHERE projection = ANY($1) AND ($2::text IS NULL OR tenant = $2)
                         ORDER BY projection, tenant FOR UPDATE
                        """) { Parameters = { new() { Value = asynchronous }, Text(tenant) } },
                },
            };
            await progressRows.ExecuteNonQueryAsync(ct);
        }
        // Replacing a table needs it to itself: readers wait from here to the commit (the
        // catch-up and the swap, usually well under a second). Replacing rows only holds writers back.
        await LockLiveTablesAsync(connection, transaction,
            shadow ?? [.. swapped.SelectMany(p => p.Tables).Select(t => t.Name).Distinct()],
            shadow is null ? "SHARE ROW EXCLUSIVE" : "ACCESS EXCLUSIVE", ct);

        // Events committed since the replay read each tenant; appends now wait for the swap.
        ProjectionTarget.RedirectTo(transaction, shadow is null ? ProjectionTarget.TemporarySchema : ProjectionTarget.ShadowSchema);
        ReplayBatch.Begin(transaction);
        var caughtUp = await CatchUpAsync(connection, transaction, projections, tenant, marks, ct);
        await ReplayBatch.FlushAsync(connection, transaction, ct);
        Release(transaction);
        var sql = new List<string>();
        if (shadow is null)
        {
            foreach (var projection in swapped)
            {
                await projection.ResetAsync(connection, transaction, tenant, ct);
                foreach (var table in projection.Tables)
                {
                    var where = string.Join(" AND ", new[] { tenant is null ? null : "tenant = $1", table.Owns }.Where(c => c is not null));
                    sql.Add($"INSERT INTO {table.In(ProjectionTarget.LiveSchema)} SELECT * FROM {table.In(ProjectionTarget.TemporarySchema)}{(where.Length > 0 ? " WHERE " + where : "")}");
                }
            }
        }
        await using (var batch = new NpgsqlBatch(connection, transaction) { Timeout = 0 })
        {
            foreach (var statement in sql)
            {
                var command = new NpgsqlBatchCommand(statement);
                if (tenant is not null)
                {
                    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
                }
                batch.BatchCommands.Add(command);
            }
            if (shadow is not null)
            {
                var swap = new NpgsqlBatchCommand("SELECT rm.rebuild_shadow_swap($1)");
                swap.Parameters.Add(new NpgsqlParameter { Value = shadow });
                batch.BatchCommands.Add(swap);
            }
            if (asynchronous.Length > 0 && marks.Count > 0)
            {
                batch.BatchCommands.Add(Checkpoints(asynchronous, marks));
            }
            if (batch.BatchCommands.Count > 0)
            {
                await batch.ExecuteNonQueryAsync(ct);
            }
        }
        await transaction.CommitAsync(ct);
        return caughtUp;
    }

    /// <summary>
    /// Takes the live tables, letting go and trying again on a lock timeout, so an append holding
    /// one of them and wanting another never deadlocks with the swap. The wait grows past
    /// PostgreSQL's deadlock_timeout (1 s), after which an autovacuum in the way is cancelled for us.
    /// </summary>
    static async Task LockLiveTablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> names, string mode, CancellationToken ct)
    {
        var tables = string.Join(", ", names.Select(t => $"{ProjectionTarget.LiveSchema}.{t}"));
        for (var attempt = 1; ; attempt++)
        {
            var timeout = Math.Min(200 << Math.Min(attempt - 1, 5), 3000);
            await transaction.SaveAsync("lock_tables", ct);
            try
            {
                await using var command = new NpgsqlCommand(
                    $"SET LOCAL lock_timeout = {timeout}; LOCK TABLE {tables} IN {mode} MODE; SET LOCAL lock_timeout = 0", connection, transaction);
                await command.ExecuteNonQueryAsync(ct);
                await transaction.ReleaseAsync("lock_tables", ct);
                return;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DeadlockDetected && attempt < 60)
            {
                await transaction.RollbackAsync("lock_tables", ct);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50)), ct);
            }
        }
    }

    static async Task<long> CatchUpAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<IProjection> projections, string? tenant,
        Dictionary<string, Mark> marks, CancellationToken ct)
    {
        // Chain heads name the tenants that moved; chain positions are gap-free, so "after the mark" misses nothing.
        var events = new List<StoredEvent>();
        await using (var command = new NpgsqlCommand($"""
            SELECT {string.Join(", ", ColumnNames.Select(c => "e." + c))}
              FROM ledger.chain_heads h
              LEFT JOIN unnest($2::text[], $3::bigint[]) AS m(tenant, position) ON m.tenant = h.tenant
              JOIN ledger.events e ON e.tenant = h.tenant AND e.chain_position > COALESCE(m.position, 0)
             WHERE ($1::text IS NULL OR h.tenant = $1) AND h.position > COALESCE(m.position, 0)
             ORDER BY e.tenant, e.chain_position
            """, connection, transaction))
        {
            command.Parameters.Add(Text(tenant));
            command.Parameters.Add(new NpgsqlParameter { Value = marks.Keys.ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = marks.Values.Select(m => m.Position).ToArray() });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                events.Add(LedgerStore.ReadEvent(reader));
            }
        }
        foreach (var group in Tenants(events))
        {
            await ApplyAsync(connection, transaction, projections, group.Events, marks, ct);
            await TenantReplayedAsync(connection, transaction, projections, group.Tenant, ct);
        }
        return events.Count;
    }

    /// <summary>Async projections continue from the end of the replay, with no pause or error left over.</summary>
    static NpgsqlBatchCommand Checkpoints(string[] projections, Dictionary<string, Mark> marks)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO ledger.projection_progress (projection, tenant, position, processed, last_recorded_at, updated_at)
            SELECT p.projection, m.tenant, m.position, m.processed, m.recorded_at, now()
              FROM unnest($1::text[]) AS p(projection)
             CROSS JOIN unnest($2::text[], $3::bigint[], $4::bigint[], $5::timestamptz[]) AS m(tenant, position, processed, recorded_at)
            ON CONFLICT (projection, tenant) DO UPDATE SET position = EXCLUDED.position, processed = EXCLUDED.processed,
                last_recorded_at = EXCLUDED.last_recorded_at, updated_at = now(), paused_at = NULL, paused_position = NULL, error = NULL
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = projections });
        command.Parameters.Add(new NpgsqlParameter { Value = marks.Keys.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = marks.Values.Select(m => m.Position).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = marks.Values.Select(m => m.Count).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = marks.Values.Select(m => m.RecordedAt.ToUniversalTime()).ToArray() });
        return command;
    }

    static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };
}
