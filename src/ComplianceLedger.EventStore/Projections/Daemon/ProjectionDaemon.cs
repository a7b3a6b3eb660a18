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

    /// <summary>Tenants caught up together in one transaction.</summary>
    public int TenantsPerTransaction { get; init; } = 64;

    /// <summary>Connections working at once, each on its own share of the schools behind.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>
    /// A cycle starts no sooner than this after the previous one started. A cycle costs about ten
    /// statements however few events it carries, so under a steady load this gathers the events
    /// into fewer, larger batches; after a quiet spell an append is still projected at once.
    /// </summary>
    public TimeSpan GatherInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Schools behind per extra worker: a few schools' events are cheaper in one transaction than spread thin.</summary>
    public int TenantsPerWorker { get; init; } = 16;
}

/// <summary>
/// Runs the async projections. One instance across all app nodes leads, by holding a session
/// advisory lock on its own unpooled connection, which also listens for appends; workers apply
/// events on pooled connections. Each projection keeps a checkpoint per tenant on the gap-free
/// chain position, locked while a worker applies events and moved in the same transaction, so an
/// event is applied once even by a worker that outlives its leader's session (docs/projections.md).
/// </summary>
public sealed partial class ProjectionDaemon(
    string connectionString, IEnumerable<IProjection> projections, ProjectionDaemonOptions options, ILogger<ProjectionDaemon> logger)
    : IAsyncDisposable
{
    public ValueTask DisposeAsync() => workers.DisposeAsync();

    /// <summary>The advisory lock key all nodes contend for ("LEDGERPD").</summary>
    public const long LeaderLockKey = 0x4C45444745525044;

    public const string Channel = "ledger_appended";

    readonly IProjection[] async = [.. projections.Where(p => p.Mode == ProjectionMode.Async)];

    readonly NpgsqlDataSource workers = LedgerDataSource.Create(
        new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = Math.Max(1, options.Workers) }.ConnectionString);

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
            catch (Exception e)
            {
                if (ct.IsCancellationRequested)
                {
                    break;
                }
                // Connection lost, the database restarting, or anything unforeseen: stand down and
                // contend again. A daemon that died here would leave every dashboard stale unnoticed;
                // one that keeps retrying shows its error in the log and its lag on /health/ready.
                if (e is NpgsqlException or IOException or TimeoutException)
                {
                    LogStoodDown(e);
                }
                else
                {
                    LogFailed(e);
                }
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
            var cycle = Stopwatch.StartNew();
            await CatchUpAsync(connection, tenants, ct);
            if (cycle.Elapsed < options.GatherInterval)
            {
                await Task.Delay(options.GatherInterval - cycle.Elapsed, ct);
            }
            // Notifications that arrived while working are already collected: work on them at
            // once. Wait only when there are none; a quiet poll interval means a full pass.
            tenants = Take(woken);
            if (tenants.Length == 0)
            {
                tenants = await connection.WaitAsync(options.PollInterval, ct) ? Take(woken) : null;
            }
        }
    }

    static string[] Take(HashSet<string> woken)
    {
        lock (woken)
        {
            string[] taken = [.. woken];
            woken.Clear();
            return taken;
        }
    }

    /// <summary>
    /// Brings every (or the named) tenant's async projections up to its chain head. The schools
    /// behind are shared out among the workers, each on its own pooled connection; a school is
    /// only ever in one worker's hands, and its checkpoint rows are locked while it is.
    /// </summary>
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
            var workers = Math.Clamp((behind.Count + options.TenantsPerWorker - 1) / options.TenantsPerWorker, 1, options.Workers);
            var shares = Enumerable.Range(0, workers).Select(w => behind.Where((_, i) => i % workers == w).ToArray());
            await Task.WhenAll(shares.Select(share => WorkAsync(share, names, ct)));
            tenants = [.. behind];
        }
    }

    async Task WorkAsync(string[] tenants, string[] names, CancellationToken ct)
    {
        await using var connection = await workers.OpenConnectionAsync(ct);
        // Many schools in one transaction; if anything fails, school by school with
        // savepoints, which finds the poison event and pauses only its projection and school.
        foreach (var chunk in tenants.Chunk(options.TenantsPerTransaction))
        {
            if (!await TryCatchUpTogetherAsync(connection, chunk, names, ct))
            {
                foreach (var tenant in chunk)
                {
                    await CatchUpTenantAsync(connection, tenant, names, ct);
                }
            }
        }
    }

    static async Task<List<string>> TenantsBehindAsync(NpgsqlConnection connection, string[] names, string[]? tenants, CancellationToken ct)
    {
        // The schools a notification named are looked up one by one; only the poll reads every
        // chain head (a national deployment has tens of thousands, and a busy daemon cycles
        // every few tens of milliseconds).
        const string Behind = """
            h.position > 0 AND NOT EXISTS (SELECT FROM ledger.projection_progress p
                                            WHERE p.projection = pr.projection AND p.tenant = h.tenant
                                              AND (p.paused_at IS NOT NULL OR p.position >= h.position))
            """;
        await using var command = new NpgsqlCommand(tenants is null
            ? $"SELECT DISTINCT h.tenant FROM ledger.chain_heads h CROSS JOIN unnest($1::text[]) AS pr(projection) WHERE {Behind}"
            : $"""
              SELECT DISTINCT h.tenant FROM unnest($2::text[]) AS t(tenant)
               CROSS JOIN LATERAL (SELECT * FROM ledger.chain_heads h WHERE h.tenant = t.tenant OFFSET 0) h
               CROSS JOIN unnest($1::text[]) AS pr(projection) WHERE {Behind}
              """, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
        if (tenants is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tenants });
        }
        var behind = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            behind.Add(reader.GetString(0));
        }
        return behind;
    }

    /// <summary>
    /// One transaction for several tenants: lock their checkpoints, read each one's next events,
    /// let each projection apply them all at once, move the checkpoints. False (and rolled
    /// back) when a projection failed, for the careful path to sort out.
    /// </summary>
    async Task<bool> TryCatchUpTogetherAsync(NpgsqlConnection connection, string[] tenants, string[] names, CancellationToken ct)
    {
        using var activity = LedgerTelemetry.Source.StartActivity("ledger.project.async");
        activity?.SetTag("ledger.tenants", tenants.Length);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Projection writes wait in a queue (reads send them first), so they go with the
        // checkpoint moves in one round trip. Npgsql hands this transaction object out again on
        // the pooled connection: stop queuing on it whatever happens.
        ReplayBatch.Defer(transaction);
        try
        {
            var places = await ProjectionProgress.LockAsync(connection, transaction, tenants, names, ct);
            var from = new Dictionary<string, long>();
            foreach (var place in places.Values.Where(p => !p.Paused))
            {
                from[place.Tenant] = Math.Min(from.GetValueOrDefault(place.Tenant, long.MaxValue), place.Position);
            }
            var events = await ReadAfterAsync(connection, transaction, from, options.BatchSize, ct);
            var advances = new List<(IProjection Projection, string Tenant, List<StoredEvent> Events)>();
            try
            {
                foreach (var projection in async)
                {
                    var mine = events.Where(e => places.TryGetValue((projection.Name, e.Tenant), out var place) && !place.Paused
                        && e.ChainPosition > place.Position).ToList();
                    await ApplyRelevantAsync(connection, transaction, projection, mine, ct);
                    advances.AddRange(mine.GroupBy(e => e.Tenant).Select(g => (projection, g.Key, g.ToList())));
                }
                await ReplayBatch.ExecuteAsync(connection, transaction,
                    advances.Select(a => ProjectionProgress.Advance(a.Projection.Name, a.Tenant, a.Events[^1], a.Events.Count)), ct);
                await ReplayBatch.FlushAsync(connection, transaction, ct);
            }
            catch (Exception) when (!ct.IsCancellationRequested && connection.State == System.Data.ConnectionState.Open)
            {
                await transaction.RollbackAsync(ct);
                return false;
            }
            await transaction.CommitAsync(ct);
            foreach (var (projection, _, mine) in advances)
            {
                RecordApplied(projection.Name, mine);
            }
            activity?.SetTag("ledger.events", events.Count);
            return true;
        }
        finally
        {
            ReplayBatch.End(transaction);
        }
    }

    /// <summary>One transaction: the tenant's next events, applied by each projection still behind on them.</summary>
    async Task CatchUpTenantAsync(NpgsqlConnection connection, string tenant, string[] names, CancellationToken ct)
    {
        using var activity = LedgerTelemetry.Source.StartActivity("ledger.project.async");
        activity?.SetTag("ledger.tenant", tenant);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var places = await ProjectionProgress.LockAsync(connection, transaction, [tenant], names, ct);
        var active = async.Where(p => places.TryGetValue((p.Name, tenant), out var place) && !place.Paused).ToList();
        if (active.Count == 0)
        {
            await transaction.CommitAsync(ct);
            return;
        }
        var from = active.Min(p => places[(p.Name, tenant)].Position);
        var events = await ReadAfterAsync(connection, transaction, new Dictionary<string, long> { [tenant] = from }, options.BatchSize, ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var projection in active)
        {
            var mine = events.Where(e => e.ChainPosition > places[(projection.Name, tenant)].Position).ToList();
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

    /// <summary>Up to <paramref name="limit"/> events of each tenant after its position, tenant by tenant in chain order.</summary>
    static async Task<List<StoredEvent>> ReadAfterAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Dictionary<string, long> after, int limit, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT e.* FROM unnest($1::text[], $2::bigint[]) AS c(tenant, after)
             CROSS JOIN LATERAL (SELECT {LedgerStore.EventColumns} FROM ledger.events
                                  WHERE tenant = c.tenant AND chain_position > c.after ORDER BY chain_position LIMIT $3) e
             ORDER BY e.tenant, e.chain_position
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. after.Keys] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. after.Values] });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        var expected = 0L;
        while (await reader.ReadAsync(ct))
        {
            var e = LedgerStore.ReadEvent(reader);
            if (events.Count == 0 || events[^1].Tenant != e.Tenant)
            {
                expected = after[e.Tenant] + 1;
            }
            // The chain is gap-free: anything else means the ledger was tampered with, and
            // projecting past it would hide that. verify names the damage.
            if (e.ChainPosition != expected)
            {
                throw new InvalidOperationException(
                    $"tenant {e.Tenant}: chain position {expected} is missing (found {e.ChainPosition}); run ledger verify");
            }
            expected++;
            events.Add(e);
        }
        return events;
    }

    [LoggerMessage(LogLevel.Information, "Projection daemon leading (backend {ProcessId})")]
    partial void LogLeading(int processId);

    [LoggerMessage(LogLevel.Warning, "Projection daemon stood down; contending again")]
    partial void LogStoodDown(Exception exception);

    [LoggerMessage(LogLevel.Error, "Projection daemon failed unexpectedly; standing down and contending again")]
    partial void LogFailed(Exception exception);

    [LoggerMessage(LogLevel.Error, "Projection {Projection} paused for tenant {Tenant} at position {Position} ({EventType})")]
    partial void LogPaused(Exception exception, string projection, string tenant, long position, string eventType);
}
