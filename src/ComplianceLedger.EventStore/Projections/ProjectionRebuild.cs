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
/// (the chosen ones read the others' tables) replays into session-temporary copies of the
/// <c>rm</c> tables, a page of events per transaction, while the live tables serve as before.
/// Then one transaction locks the chosen projections' progress rows and (against writers only)
/// their live tables, applies the events committed meanwhile, replaces the live rows with the
/// rebuilt ones and moves async projections' checkpoints to the end of what it replayed.
/// </summary>
public static class ProjectionRebuild
{
    const int Page = 5000;

    // Held while waiting for a live table; on expiry the swap lets go and tries again, so an
    // append holding one of our tables and wanting another never deadlocks with it.
    const string LockTimeout = "200ms";

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
        try
        {
            await PrepareAsync(connection, tables, ct);
            var marks = new Dictionary<string, Mark>(StringComparer.Ordinal);
            var clock = Stopwatch.StartNew();
            var replayed = await ReplayAsync(dataSource, connection, projections, tenant, marks, total, progress, ct);
            var replay = clock.Elapsed;
            progress?.Invoke(new RebuildProgress(RebuildPhase.Swapping, replayed, total));
            var caughtUp = await SwapAsync(connection, projections, swapped, tenant, marks, ct);
            progress?.Invoke(new RebuildProgress(RebuildPhase.Done, replayed + caughtUp, total));
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
        NpgsqlDataSource dataSource, NpgsqlConnection connection, IReadOnlyList<IProjection> projections, string? tenant,
        Dictionary<string, Mark> marks, long total, Action<RebuildProgress>? progress, CancellationToken ct)
    {
        // Pages are read on a second connection, the next while this one applies the last, so
        // the server reads while the client parses and the other way round.
        await using var reading = await dataSource.OpenConnectionAsync(ct);
        long replayed = 0;
        var lastTenant = "";
        var next = ReadPageAsync(reading, tenant, "", 0, ct);
        while (true)
        {
            var events = await next;
            if (events.Count > 0)
            {
                next = ReadPageAsync(reading, tenant, events[^1].Tenant, events[^1].ChainPosition, ct);
            }
            await using var transaction = await connection.BeginTransactionAsync(ct);
            using var release = new Releaser(transaction);
            ProjectionTarget.RedirectTo(transaction, ProjectionTarget.TemporarySchema);
            ReplayBatch.Begin(transaction);
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
            progress?.Invoke(new RebuildProgress(RebuildPhase.Replaying, replayed, total));
        }
    }

    /// <summary>Keyset pagination in (tenant, chain position) order: each tenant's events in chain order.</summary>
    static async Task<List<StoredEvent>> ReadPageAsync(NpgsqlConnection connection, string? tenant, string afterTenant, long afterPosition, CancellationToken ct)
    {
        var events = new List<StoredEvent>(Page);
        await using var command = new NpgsqlCommand($"""
            SELECT {Columns} FROM ledger.events
             WHERE ($1::text IS NULL OR tenant = $1) AND (tenant, chain_position) > ($2, $3)
             ORDER BY tenant, chain_position
             LIMIT $4
            """, connection);
        command.Parameters.Add(Text(tenant));
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = afterTenant });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterPosition });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Page });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(LedgerStore.ReadEvent(reader));
        }
        return events;
    }

    /// <summary>
    /// Npgsql hands out the same transaction object again on a pooled connection: leave it
    /// pointing at the live tables and writing at once, whatever happened.
    /// </summary>
    static void Release(NpgsqlTransaction transaction)
    {
        ReplayBatch.End(transaction);
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

    /// <returns>The events caught up.</returns>
    static async Task<long> SwapAsync(
        NpgsqlConnection connection, IReadOnlyList<IProjection> projections, IReadOnlyList<IProjection> swapped, string? tenant,
        Dictionary<string, Mark> marks, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        using var release = new Releaser(transaction);
        var asynchronous = swapped.Where(p => p.Mode == ProjectionMode.Async).Select(p => p.Name).ToArray();

        // The daemon's lock order: progress rows, then read-model tables.
        if (asynchronous.Length > 0)
        {
            await using var progressRows = new NpgsqlCommand("""
                SELECT 1 FROM ledger.projection_progress WHERE projection = ANY($1) AND ($2::text IS NULL OR tenant = $2) FOR UPDATE
                """, connection, transaction);
            progressRows.Parameters.Add(new NpgsqlParameter { Value = asynchronous });
            progressRows.Parameters.Add(Text(tenant));
            await progressRows.ExecuteNonQueryAsync(ct);
        }
        await LockLiveTablesAsync(connection, transaction, swapped, ct);

        // Events committed since the replay read each tenant; appends now wait for the swap.
        ProjectionTarget.RedirectTo(transaction, ProjectionTarget.TemporarySchema);
        ReplayBatch.Begin(transaction);
        var caughtUp = await CatchUpAsync(connection, transaction, projections, tenant, marks, ct);
        await ReplayBatch.FlushAsync(connection, transaction, ct);
        Release(transaction);
        var sql = new List<string>();
        foreach (var projection in swapped)
        {
            await projection.ResetAsync(connection, transaction, tenant, ct);
            foreach (var table in projection.Tables)
            {
                var where = string.Join(" AND ", new[] { tenant is null ? null : "tenant = $1", table.Owns }.Where(c => c is not null));
                sql.Add($"INSERT INTO {table.In(ProjectionTarget.LiveSchema)} SELECT * FROM {table.In(ProjectionTarget.TemporarySchema)}{(where.Length > 0 ? " WHERE " + where : "")}");
            }
        }
        await using (var batch = new NpgsqlBatch(connection, transaction))
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
            if (asynchronous.Length > 0 && marks.Count > 0)
            {
                batch.BatchCommands.Add(Checkpoints(asynchronous, marks));
            }
            await batch.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return caughtUp;
    }

    static async Task LockLiveTablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<IProjection> swapped, CancellationToken ct)
    {
        var tables = string.Join(", ", swapped.SelectMany(p => p.Tables).Select(t => t.In(ProjectionTarget.LiveSchema)).Distinct());
        await using (var timeout = new NpgsqlCommand($"SET LOCAL lock_timeout = '{LockTimeout}'", connection, transaction))
        {
            await timeout.ExecuteNonQueryAsync(ct);
        }
        for (var attempt = 1; ; attempt++)
        {
            await transaction.SaveAsync("lock_tables", ct);
            try
            {
                // Readers go on reading the old rows; appends that write these tables wait.
                await using var command = new NpgsqlCommand($"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE", connection, transaction);
                await command.ExecuteNonQueryAsync(ct);
                await transaction.ReleaseAsync("lock_tables", ct);
                break;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable && attempt < 100)
            {
                await transaction.RollbackAsync("lock_tables", ct);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50)), ct);
            }
        }
        await using var reset = new NpgsqlCommand("SET LOCAL lock_timeout = 0", connection, transaction);
        await reset.ExecuteNonQueryAsync(ct);
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
