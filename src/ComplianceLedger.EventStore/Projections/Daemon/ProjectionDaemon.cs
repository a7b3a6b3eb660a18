using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ComplianceLedger.EventStore.Projections.Daemon;

/// <summary>Daemon settings: how often to poll without a notification, and to retry for leadership.</summary>
public sealed record ProjectionDaemonOptions
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan LeaderRetry { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Events read per tenant per transaction.</summary>
    public int BatchSize { get; init; } = 500;
}

/// <summary>
/// Runs the async projections. One instance across all app nodes leads, by holding a session
/// advisory lock on its own unpooled connection; the same connection listens for appends and
/// does all the work, so a leader that loses its connection loses the lock and stops writing at
/// the same moment. Each projection keeps a checkpoint per tenant on the gap-free chain position
/// and moves it in the transaction that writes its rows (docs/projections.md).
/// </summary>
public sealed partial class ProjectionDaemon(
    string connectionString, IEnumerable<IProjection> projections, ProjectionDaemonOptions options, ILogger<ProjectionDaemon> logger)
{
    /// <summary>The advisory lock key all nodes contend for ("LEDGERPD").</summary>
    public const long LeaderLockKey = 0x4C45444745525044;

    public const string Channel = "ledger_appended";

    readonly IProjection[] async = [.. projections.Where(p => p.Mode == ProjectionMode.Async)];

    public IReadOnlyList<string> Projections => [.. async.Select(p => p.Name)];

    public bool IsLeader { get; private set; }

    /// <summary>Events applied by this node since it started, per projection (tests and metrics).</summary>
    public long Applied => Interlocked.Read(ref applied);

    long applied;

    // Unpooled: closing the connection must end the session, releasing the lock and the LISTEN.
    string Unpooled => new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 10 }.ConnectionString;

    /// <summary>
    /// Brings every async projection up to date once and returns, e.g. after a CLI seed. False
    /// when another node leads: that node is doing the work already.
    /// </summary>
    public async Task<bool> CatchUpOnceAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(Unpooled);
        await connection.OpenAsync(ct);
        if (!await TryLeadAsync(connection, ct))
        {
            return false;
        }
        await CatchUpAsync(connection, null, ct);
        return true;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        if (async.Length == 0)
        {
            return;
        }
        var unpooled = Unpooled;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(unpooled);
                await connection.OpenAsync(ct);
                if (!await TryLeadAsync(connection, ct))
                {
                    await Task.Delay(options.LeaderRetry, ct);
                    continue;
                }
                IsLeader = true;
                LogLeading(connection.ProcessID);
                await LeadAsync(connection, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
            {
                // Connection lost or the database restarting: stand down and contend again.
                LogStoodDown(e);
                IsLeader = false;
                await Task.Delay(options.LeaderRetry, CancellationToken.None);
            }
            finally
            {
                IsLeader = false;
            }
        }
    }

    static async Task<bool> TryLeadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LeaderLockKey });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    async Task LeadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var woken = new HashSet<string>();
        connection.Notification += (_, e) =>
        {
            lock (woken)
            {
                woken.Add(e.Payload);
            }
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(ct);
        }
        // Everything once at the start; afterwards the tenants notifications name, and everything
        // again whenever a poll interval passes quietly (a notification can be lost with a connection).
        string[]? tenants = null;
        while (!ct.IsCancellationRequested)
        {
            await CatchUpAsync(connection, tenants, ct);
            if (!await connection.WaitAsync(options.PollInterval, ct))
            {
                tenants = null;
                continue;
            }
            // Drain whatever else has already arrived before working.
            while (await connection.WaitAsync(TimeSpan.FromMilliseconds(1), ct))
            {
            }
            lock (woken)
            {
                tenants = [.. woken];
                woken.Clear();
            }
        }
    }

    /// <summary>Brings every (or the named) tenant's async projections up to its chain head.</summary>
    async Task CatchUpAsync(NpgsqlConnection connection, string[]? tenants, CancellationToken ct)
    {
        var names = async.Select(p => p.Name).ToArray();
        while (true)
        {
            var behind = await TenantsBehindAsync(connection, names, tenants, ct);
            if (behind.Count == 0)
            {
                return;
            }
            foreach (var tenant in behind)
            {
                await CatchUpTenantAsync(connection, tenant, names, ct);
            }
            tenants = [.. behind];
        }
    }

    static async Task<List<string>> TenantsBehindAsync(NpgsqlConnection connection, string[] names, string[]? tenants, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT DISTINCT h.tenant
              FROM ledger.chain_heads h
             CROSS JOIN unnest($1::text[]) AS pr(projection)
              LEFT JOIN ledger.projection_progress p ON p.projection = pr.projection AND p.tenant = h.tenant
             WHERE ($2::text[] IS NULL OR h.tenant = ANY($2))
               AND h.position > COALESCE(p.position, 0) AND p.paused_at IS NULL
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tenants ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        var behind = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            behind.Add(reader.GetString(0));
        }
        return behind;
    }

    /// <summary>One transaction: the tenant's next events, applied by each projection still behind on them.</summary>
    async Task CatchUpTenantAsync(NpgsqlConnection connection, string tenant, string[] names, CancellationToken ct)
    {
        using var activity = LedgerTelemetry.Source.StartActivity("ledger.project.async");
        activity?.SetTag("ledger.tenant", tenant);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var places = await ProjectionProgress.LockAsync(connection, transaction, tenant, names, ct);
        var active = async.Where(p => places.TryGetValue(p.Name, out var place) && !place.Paused).ToList();
        if (active.Count == 0)
        {
            await transaction.CommitAsync(ct);
            return;
        }
        var from = active.Min(p => places[p.Name].Position);
        var events = await ReadAfterAsync(connection, transaction, tenant, from, options.BatchSize, ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var projection in active)
        {
            var mine = events.Where(e => e.ChainPosition > places[projection.Name].Position).ToList();
            if (mine.Count == 0)
            {
                continue;
            }
            var applied = await ApplyOrPauseAsync(connection, transaction, projection, tenant, mine, ct);
            if (applied > 0)
            {
                batch.BatchCommands.Add(ProjectionProgress.Advance(projection.Name, tenant, mine[applied - 1], applied));
                RecordApplied(projection.Name, mine.Take(applied));
            }
        }
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        activity?.SetTag("ledger.events", events.Count);
    }

    /// <summary>
    /// Applies the events; on a failure, applies them one by one to find the poison event, keeps
    /// those before it and pauses this projection for this tenant there. Returns how many applied.
    /// </summary>
    async Task<int> ApplyOrPauseAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IProjection projection, string tenant, List<StoredEvent> events, CancellationToken ct)
    {
        await transaction.SaveAsync("projection", ct);
        try
        {
            await ApplyRelevantAsync(connection, transaction, projection, events, ct);
            await transaction.ReleaseAsync("projection", ct);
            return events.Count;
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not NpgsqlException { IsTransient: true })
        {
            await transaction.RollbackAsync("projection", ct);
        }
        for (var i = 0; i < events.Count; i++)
        {
            await transaction.SaveAsync("projection", ct);
            try
            {
                await ApplyRelevantAsync(connection, transaction, projection, [events[i]], ct);
                await transaction.ReleaseAsync("projection", ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not NpgsqlException { IsTransient: true })
            {
                await transaction.RollbackAsync("projection", ct);
                LogPaused(e, projection.Name, tenant, events[i].ChainPosition, events[i].EventType);
                await ProjectionProgress.PauseAsync(connection, transaction, projection.Name, tenant, events[i].ChainPosition,
                    $"{events[i].EventType} at position {events[i].ChainPosition}: {e.GetType().Name}: {e.Message}", ct);
                return i;
            }
        }
        return events.Count;
    }

    static Task ApplyRelevantAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IProjection projection, List<StoredEvent> events, CancellationToken ct)
    {
        var relevant = events.Where(e => projection.Projects(e.EventType)).ToList();
        return relevant.Count == 0 ? Task.CompletedTask : projection.ApplyAsync(connection, transaction, relevant, ct);
    }

    void RecordApplied(string projection, IEnumerable<StoredEvent> events)
    {
        var now = DateTimeOffset.UtcNow;
        var tag = new KeyValuePair<string, object?>("ledger.projection", projection);
        var count = 0;
        foreach (var e in events)
        {
            LedgerTelemetry.ProjectionDelay.Record(Math.Max(0, (now - e.RecordedAt).TotalSeconds), tag);
            count++;
        }
        LedgerTelemetry.ProjectionEventsApplied.Add(count, tag);
        Interlocked.Add(ref applied, count);
    }

    static async Task<List<StoredEvent>> ReadAfterAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, long after, int limit, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT {LedgerStore.EventColumns} FROM ledger.events
             WHERE tenant = $1 AND chain_position > $2 ORDER BY chain_position LIMIT $3
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var events = new List<StoredEvent>(limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var e = LedgerStore.ReadEvent(reader);
            // The chain is gap-free: anything else means the ledger was tampered with, and
            // projecting past it would hide that. verify names the damage.
            if (e.ChainPosition != after + events.Count + 1)
            {
                throw new InvalidOperationException(
                    $"tenant {tenant}: chain position {after + events.Count + 1} is missing (found {e.ChainPosition}); run ledger verify");
            }
            events.Add(e);
        }
        return events;
    }

    [LoggerMessage(LogLevel.Information, "Projection daemon leading (backend {ProcessId})")]
    partial void LogLeading(int processId);

    [LoggerMessage(LogLevel.Warning, "Projection daemon stood down; contending again")]
    partial void LogStoodDown(Exception exception);

    [LoggerMessage(LogLevel.Error, "Projection {Projection} paused for tenant {Tenant} at position {Position} ({EventType})")]
    partial void LogPaused(Exception exception, string projection, string tenant, long position, string eventType);
}
