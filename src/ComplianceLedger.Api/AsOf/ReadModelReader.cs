using System.Data;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Projections.ReadModels;
using Npgsql;

namespace ComplianceLedger.Api.AsOf;

/// <summary>
/// Opens the read models a dashboard or register reads: live, or "as of" a day or chain position.
/// "As of" replays the school's events up to that position through every registered projection
/// (inline and async, in registration order) into temporary copies of the <c>rm</c> tables, on one
/// REPEATABLE READ transaction that is READ ONLY once the copies exist, so a statement that misses
/// the redirect fails instead of touching live rows. docs/as-of.md explains the choices.
/// </summary>
public sealed class ReadModelReader : IDisposable
{
    const int Batch = 1000;

    static readonly Histogram<double> ReplayDuration = LedgerTelemetry.Meter.CreateHistogram<double>(
        "ledger.as_of.duration", "s", "Time to replay a school's ledger for an \"as of\" question.");

    readonly NpgsqlDataSource dataSource;
    readonly IProjection[] projections;
    readonly string[] asyncProjections;
    readonly string[] liveTables;
    readonly TimeProvider time;
    readonly long maxEvents;
    readonly SemaphoreSlim replays;

    public ReadModelReader(NpgsqlDataSource dataSource, IEnumerable<IProjection> projections, TimeProvider time, IConfiguration configuration)
    {
        this.dataSource = dataSource;
        this.projections = [.. projections];
        asyncProjections = [.. this.projections.Where(p => p.Mode == ProjectionMode.Async).Select(p => p.Name)];
        liveTables = [.. this.projections.SelectMany(p => p.Tables).Select(t => t.Name).Distinct().Order(StringComparer.Ordinal)];
        this.time = time;
        // A replay costs about what its events cost to append; this bounds one question's work.
        maxEvents = configuration.GetValue("Ledger:AsOf:MaxEvents", 50_000L);
        // Replays are CPU work on the app and the database; a few at once keep the live app responsive.
        replays = new SemaphoreSlim(configuration.GetValue("Ledger:AsOf:MaxConcurrent", Math.Max(1, Environment.ProcessorCount / 2)));
    }

    public void Dispose() => replays.Dispose();

    /// <summary>The read models for <paramref name="asOf"/> (null: live). Bad values are refused with 400; a day before the school's first event with 404.</summary>
    public async Task<ReadScope> OpenAsync(string tenant, string? asOf, CancellationToken ct)
    {
        var question = AsOfQuestion.Parse(asOf);
        return question is AsOfQuestion.Live ? await OpenLiveAsync(tenant, ct) : await ReplayAsync(tenant, question, asOf!.Trim(), ct);
    }

    /// <summary>The live read models, judged on the school's today, as the live projections judge.</summary>
    public Task<ReadScope> OpenLiveAsync(string tenant, CancellationToken ct) =>
        OpenLiveAsync(dataSource, tenant, SchoolDay.Today(time), ct, asyncProjections, liveTables);

    /// <summary>
    /// The live read models, judged on <paramref name="on"/>, with the school's head read in the same snapshot.
    /// <paramref name="tables"/> (of <c>rm</c>) are locked for reading before the snapshot is taken.
    /// </summary>
    public static async Task<ReadScope> OpenLiveAsync(
        NpgsqlDataSource dataSource, string tenant, DateOnly on, CancellationToken ct, string[]? asyncProjections = null, string[]? tables = null)
    {
        // Dated facts take effect on their date: if the school was last judged on another day,
        // the people whose start, leave, return, role change or leaving fell in between are judged now.
        await ComplianceProjection.CatchUpDayAsync(dataSource, [tenant], on, ct);
        var connection = await dataSource.OpenConnectionAsync(ct);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { new("SET TRANSACTION READ ONLY") } };
            if (tables is { Length: > 0 })
            {
                // A rebuild swaps whole tables in by rename. The snapshot is fixed by the first query;
                // were it taken before the swap committed, the swapped-in table's rows (written after
                // it) would be invisible and the dashboard empty. LOCK takes no snapshot: it waits
                // for a swap in progress, then the snapshot is taken after it.
                batch.BatchCommands.Add(new($"LOCK TABLE {string.Join(", ", tables.Select(t => "rm." + t))} IN ACCESS SHARE MODE"));
            }
            batch.BatchCommands.Add(Head(tenant, null));
            batch.BatchCommands.Add(AsyncPosition(tenant, asyncProjections ?? []));
            await using var reader = await batch.ExecuteReaderAsync(ct);
            var (head, recordedAt) = await reader.ReadAsync(ct)
                ? (reader.GetInt64(0), reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1))
                : (0L, null);
            await reader.NextResultAsync(ct);
            long? behind = await reader.ReadAsync(ct) && !reader.IsDBNull(0) && reader.GetInt64(0) < head ? reader.GetInt64(0) : null;
            return new ReadScope(connection, transaction, new LedgerPoint(head, on, recordedAt, Live: true, Requested: null, behind), null, null);
        }
        catch
        {
            await DisposeAsync(connection, transaction);
            throw;
        }
    }

    async Task<ReadScope> ReplayAsync(string tenant, AsOfQuestion question, string requested, CancellationToken ct)
    {
        var activity = LedgerTelemetry.Source.StartActivity("ledger.as_of");
        activity?.SetTag("ledger.tenant", tenant);
        activity?.SetTag("ledger.as_of.requested", requested);
        if (!await replays.WaitAsync(TimeSpan.FromSeconds(20), ct))
        {
            activity?.Dispose();
            throw new CommandRefusedException(StatusCodes.Status503ServiceUnavailable, "Too many \"as of\" questions at once",
                "Every replay slot is busy; try again in a moment.");
        }
        var started = Stopwatch.GetTimestamp();
        NpgsqlConnection? connection = null;
        NpgsqlTransaction? transaction = null;
        try
        {
            connection = await dataSource.OpenConnectionAsync(ct);
            // Isolation is fixed at BEGIN; READ ONLY has to wait until the temporary tables exist.
            transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            var point = await ResolveAsync(connection, transaction, tenant, question, requested, ct);
            activity?.SetTag("ledger.as_of.position", point.Position);
            activity?.SetTag("ledger.as_of.day", point.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

            await CreateTemporaryTablesAsync(connection, transaction, ct);
            ProjectionTarget.RedirectTo(transaction, ProjectionTarget.TemporarySchema, point.Day);
            var replayed = await ReplayEventsAsync(connection, transaction, tenant, point.Position!.Value, ct);
            activity?.SetTag("ledger.as_of.events_replayed", replayed);
            ReplayDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return new ReadScope(connection, transaction, point, activity, () => replays.Release());
        }
        catch (Exception e)
        {
            // A refused question (400, 404, 422) is the client's answer, not a failure of ours.
            activity?.SetStatus(e is CommandRefusedException ? ActivityStatusCode.Unset : ActivityStatusCode.Error, e.Message);
            activity?.Dispose();
            if (transaction is not null)
            {
                ProjectionTarget.RedirectTo(transaction, ProjectionTarget.LiveSchema);
            }
            await DisposeAsync(connection, transaction);
            replays.Release();
            throw;
        }
    }

    /// <summary>The chain position and day a question names, checked against the school's ledger.</summary>
    async Task<LedgerPoint> ResolveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, AsOfQuestion question, string requested, CancellationToken ct)
    {
        DateTimeOffset? before = null;
        if (question is AsOfQuestion.OnDay { Day: var asked })
        {
            before = EndOf(asked, requested);
        }
        var wanted = question is AsOfQuestion.AtPosition { Position: var p } ? p : (long?)null;
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Head(tenant, wanted, before) } };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        long head = 0;
        long? position = null;
        DateTimeOffset? recordedAt = null;
        if (await reader.ReadAsync(ct))
        {
            head = reader.GetInt64(0);
            position = reader.IsDBNull(2) ? null : reader.GetInt64(2);
            recordedAt = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
        }
        if (wanted > head)
        {
            throw CommandRefusedException.Invalid($"asOf {wanted} is beyond the school's ledger, which stands at position {head}.");
        }
        if (position is null || recordedAt is null)
        {
            // Before the school's first event there is nothing to show: not found, like an unknown school.
            throw new CommandRefusedException(StatusCodes.Status404NotFound, "The school had no records then",
                $"The school's ledger has no events recorded by the end of {requested} ({SchoolDay.Zone.Id}).");
        }
        if (position > maxEvents)
        {
            throw new CommandRefusedException(StatusCodes.Status422UnprocessableEntity, "Too much history to replay",
                $"Answering as of position {position} means replaying {position} events; the limit is {maxEvents}.");
        }
        var day = question is AsOfQuestion.OnDay { Day: var d } ? d : SchoolDay.Of(recordedAt.Value);
        return new LedgerPoint(position, day, recordedAt, Live: false, Requested: requested);
    }

    /// <summary>The end of <paramref name="day"/> in the ledger's time zone; a day after today is refused (400).</summary>
    DateTimeOffset EndOf(DateOnly day, string requested)
    {
        var today = SchoolDay.Today(time);
        if (day > today)
        {
            throw CommandRefusedException.Invalid($"asOf {requested} is in the future; the ledger stands at today, {today:yyyy-MM-dd}.");
        }
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(day.AddDays(1).ToDateTime(TimeOnly.MinValue), SchoolDay.Zone));
    }

    /// <summary>The async projections' names, for a live read spanning schools to say how far each school's verdicts have got.</summary>
    public IReadOnlyList<string> AsyncProjections => asyncProjections;

    /// <summary>The most events one "as of" question may replay (<c>Ledger:AsOf:MaxEvents</c>).</summary>
    public long MaxEvents => maxEvents;

    /// <summary>
    /// Each school's chain position at the end of <paramref name="day"/> (0 before its first event): how many
    /// events an "as of" question about it replays, so a question spanning schools is bounded before any replay.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> PositionsAtEndOfAsync(IReadOnlyList<string> tenants, DateOnly day, string requested, CancellationToken ct)
    {
        var before = EndOf(day, requested);
        await using var command = dataSource.CreateCommand("""
            SELECT t.tenant, COALESCE((SELECT x.chain_position FROM ledger.events x WHERE x.tenant = t.tenant AND x.recorded_at < $2
                                        ORDER BY x.chain_position DESC LIMIT 1), 0)
              FROM unnest($1::text[]) AS t(tenant)
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. tenants] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = before });
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            positions[reader.GetString(0)] = reader.GetInt64(1);
        }
        return positions;
    }

    /// <summary>
    /// The school's head, and the event a question names (the one at a position, or the last
    /// recorded before a moment) with when it was recorded. Columns: head, recorded at, position.
    /// </summary>
    static NpgsqlBatchCommand Head(string tenant, long? position, DateTimeOffset? before = null)
    {
        var command = new NpgsqlBatchCommand("""
            SELECT h.position, e.recorded_at, e.chain_position
              FROM ledger.chain_heads h
              LEFT JOIN LATERAL (SELECT x.chain_position, x.recorded_at FROM ledger.events x
                                  WHERE x.tenant = h.tenant
                                    AND x.chain_position <= COALESCE($2, h.position)
                                    AND ($3::timestamptz IS NULL OR x.recorded_at < $3)
                                  ORDER BY x.chain_position DESC LIMIT 1) e ON true
             WHERE h.tenant = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)position ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        return command;
    }

    /// <summary>How far the slowest async projection has got in the school's chain (0 before its first event; null with none).</summary>
    static NpgsqlBatchCommand AsyncPosition(string tenant, string[] projections)
    {
        var command = new NpgsqlBatchCommand("""
            SELECT min(COALESCE(p.position, 0)) FROM unnest($2::text[]) AS a(projection)
              LEFT JOIN ledger.projection_progress p ON p.projection = a.projection AND p.tenant = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = projections });
        return command;
    }

    /// <summary>
    /// Empty copies of every <c>rm</c> table (found in the catalog, so new read models come along),
    /// dropped with the transaction; then the transaction turns READ ONLY and gets a time limit.
    /// </summary>
    static async Task CreateTemporaryTablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand($"""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = '{ProjectionTarget.LiveSchema}' AND c.relkind IN ('r', 'p') ORDER BY 1
            """, connection, transaction))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                tables.Add(reader.GetString(0));
            }
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var table in tables)
        {
            var name = new NpgsqlCommandBuilder().QuoteIdentifier(table);
            batch.BatchCommands.Add(new($"CREATE TEMP TABLE {name} (LIKE {ProjectionTarget.LiveSchema}.{name} INCLUDING ALL) ON COMMIT DROP"));
        }
        batch.BatchCommands.Add(new("SET TRANSACTION READ ONLY"));
        batch.BatchCommands.Add(new("SET LOCAL statement_timeout = '30s'"));
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The school's events up to <paramref name="position"/>, in chain order, through every projection in order.</summary>
    async Task<long> ReplayEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, long position, CancellationToken ct)
    {
        long after = 0;
        while (after < position)
        {
            var events = new List<StoredEvent>(Batch);
            await using (var command = new NpgsqlCommand("""
                SELECT global_position, tenant, chain_position, stream_id, stream_version, event_id, event_type, data::text,
                       actor, correlation_id, causation_id, command_id, recorded_at, prev_hash, hash
                  FROM ledger.events
                 WHERE tenant = $1 AND chain_position > $2 AND chain_position <= $3
                 ORDER BY chain_position
                 LIMIT $4
                """, connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Batch });
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    events.Add(LedgerStore.ReadEvent(reader));
                }
            }
            if (events.Count == 0)
            {
                break;
            }
            foreach (var projection in projections)
            {
                var mine = events.Where(e => projection.Projects(e.EventType)).ToList();
                if (mine.Count > 0)
                {
                    await projection.ApplyAsync(connection, transaction, mine, ct);
                }
            }
            after = events[^1].ChainPosition;
        }
        return after;
    }

    static async Task DisposeAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction)
    {
        if (transaction is not null)
        {
            await transaction.DisposeAsync();
        }
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }
}
