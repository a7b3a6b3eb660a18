using System.Diagnostics;
using System.Runtime.CompilerServices;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Marten;
using ComplianceLedger.EventStore.Projections;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Npgsql;
using NpgsqlTypes;

namespace ComplianceLedger.EventStore;

/// <summary>
/// Appends to and reads from the ledger. Every append is one transaction: it reads the stream's
/// version and the command's earlier result, then one Marten batch takes the school's chain lock
/// (as <see cref="LedgerMarten.OpenSchoolSessionAsync"/> does), checks both again under it
/// (<c>ledger.append_guard</c>, or it reads and decides again), appends the events, which the
/// database chains (040, 042), and reads back their chain positions; inline projections run in
/// the same transaction before it commits.
/// </summary>
public sealed class LedgerStore(NpgsqlDataSource dataSource, IDocumentStore marten, TimeProvider time, IEnumerable<IProjection>? projections = null)
{
    readonly IProjection[] inline = projections?.Where(p => p.Mode == ProjectionMode.Inline).ToArray() ?? [];
    readonly AppendNotifier notifier = AppendNotifier.For(dataSource);

    /// <summary>A store on the data source's own Marten document store (<see cref="LedgerMarten.StoreFor"/>).</summary>
    public LedgerStore(NpgsqlDataSource dataSource, TimeProvider time, IEnumerable<IProjection>? projections = null)
        : this(dataSource, LedgerMarten.StoreFor(dataSource), time, projections)
    {
    }

    public const int MaxEventsPerAppend = 100;
    public const int MaxEventDataBytes = LedgerInput.MaxEventDataBytes;

    public async Task<AppendResult> AppendAsync(AppendRequest request, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = LedgerTelemetry.Source.StartActivity("ledger.append");
        activity?.SetTag("ledger.tenant", request.Tenant);
        activity?.SetTag("ledger.stream_id", request.StreamId);
        activity?.SetTag("ledger.event_count", request.Events?.Count);

        var recordedAt = ChainHash.TruncateToMicroseconds(time.GetUtcNow());
        var prepared = Prepare(request, recordedAt);
        var m = request.Metadata;

        // The lock is taken by the batch's first statement, not before the reads: the school's
        // other writers wait only for this append's batch and commit (docs/decisions.md).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await AppendOnceAsync(request, prepared, recordedAt, activity, started, ct);
            }
            catch (PostgresException e) when (e.SqlState == StreamMovedState && attempt < MaxAttempts)
            {
                // Another writer of the stream, or of the same command, committed between the
                // reads and the lock: read again and decide again.
                activity?.AddEvent(new ActivityEvent("ledger.append.retry"));
            }
        }
    }

    /// <summary>LDG20: <c>ledger.append_guard</c> (044) found the stream or the command changed before the lock.</summary>
    const string StreamMovedState = "LDG20";

    // Each attempt that is refused found a write committed to the stream meanwhile.
    const int MaxAttempts = 20;

    async Task<AppendResult> AppendOnceAsync(
        AppendRequest request, PreparedEvents prepared, DateTimeOffset recordedAt, Activity? activity, long started, CancellationToken ct)
    {
        var m = request.Metadata;
        // Our transaction, Marten's session in it: Marten appends, and the inline projections'
        // writes go with our COMMIT in one round trip.
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var state = await ReadStateAsync(connection, request, ct);

        if (state.Earlier is { } earlier)
        {
            activity?.SetTag("ledger.replayed", true);
            LedgerTelemetry.AppendDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return earlier;
        }
        if (request.ExpectedVersion.Value is { } expected && expected != (state.StreamVersion ?? 0))
        {
            activity?.SetStatus(ActivityStatusCode.Error, "wrong expected version");
            throw new WrongExpectedVersionException(request.StreamId, request.ExpectedVersion, state.StreamVersion ?? 0);
        }

        var n = prepared.EventIds.Length;
        var options = SessionOptions.ForTransaction(transaction, shouldAutoCommit: request.BeforeCommit is not null);
        options.TenantId = request.Tenant;
        await using var session = marten.LightweightSession(options);
        session.LastModifiedBy = m.Actor;
        session.CorrelationId = m.CorrelationId;
        session.CausationId = m.CausationId;
        if (m.CommandId is not null)
        {
            session.SetHeader(CommandIdHeader, m.CommandId);
        }
        session.QueueOperation(new LockAndGuard(request.Tenant, Digests(prepared), request.StreamId, state.StreamVersion, m.CommandId));
        var data = prepared.Data.Select(d => (object)new LedgerEventData(d)).ToArray();
        var action = state.StreamVersion is { } current
            ? session.Events.Append(request.StreamId, current + n, data)
            : session.Events.StartStream(request.StreamId, data);
        for (var i = 0; i < n; i++)
        {
            // The event's own name, id and time: the store's, not Marten's defaults for the wrapper.
            var e = action.Events[i];
            e.EventTypeName = prepared.Types[i];
            e.Id = prepared.EventIds[i];
            e.Timestamp = recordedAt;
        }
        if (state.StreamVersion is null)
        {
            // Marten names a stream's type after a C# aggregate; the ledger's streams have their own.
            session.QueueSqlCommand("UPDATE marten.mt_streams SET type = ? WHERE tenant_id = ? AND id = ?",
                request.StreamType, request.Tenant, request.StreamId);
        }
        if (m.CommandId is not null && request.RequestFingerprint is not null)
        {
            session.QueueSqlCommand(
                "INSERT INTO ledger.commands (tenant, command_id, fingerprint, stream_id, recorded_at) VALUES (?, ?, ?, ?, ?)",
                request.Tenant, m.CommandId, request.RequestFingerprint, request.StreamId, recordedAt);
        }
        // Under the school's lock, the school's last n chain links are this append's.
        var positions = new ReadChainPositions(request.Tenant, n);
        session.QueueOperation(positions);

        var interested = inline.Where(p => prepared.Types.Any(p.Projects)).ToArray();
        if (request.BeforeCommit is { } enlist)
        {
            // Wolverine sends what the outbox holds once Marten reports its commit, so with an
            // outbox Marten commits (and the inline projections run in its transaction, after
            // its inserts): otherwise a message could leave before the events it stands for.
            if (interested.Length > 0)
            {
                ((ITransactionParticipantRegistrar)session).AddTransactionParticipant(new InlineProjections(interested,
                    () => Stored(request, prepared, recordedAt, Appended(positions, prepared, state.StreamVersion ?? 0))));
            }
            await enlist(session, ct);
        }
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (global::Marten.Exceptions.MartenCommandException e) when (e.InnerException is PostgresException refused)
        {
            // A refusal by the database (a trigger, a key, the guard) reaches the caller as
            // PostgreSQL said it, as it did before Marten carried the append.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(refused).Throw();
            throw;
        }
        catch (JasperFx.ConcurrencyException)
        {
            // Only a writer that does not take the school's lock before its inserts can get here.
            activity?.SetStatus(ActivityStatusCode.Error, "wrong expected version");
            throw new WrongExpectedVersionException(request.StreamId, request.ExpectedVersion,
                await GetStreamVersionAsync(request.Tenant, request.StreamId, ct) ?? 0);
        }
        var appended = Appended(positions, prepared, state.StreamVersion ?? 0);
        // With an outbox Marten has committed, projections and all.
        if (request.BeforeCommit is null && interested.Length > 0)
        {
            // The school stays locked until the commit, and every other writer of the school
            // waits that long: the projections' writes are held back and go with the COMMIT.
            ReplayBatch.Defer(transaction);
            try
            {
                await ProjectAsync(connection, transaction, interested, Stored(request, prepared, recordedAt, appended), ct);
                await ReplayBatch.CommitAsync(connection, transaction, ct);
            }
            finally
            {
                ReplayBatch.End(transaction);
            }
        }
        else if (request.BeforeCommit is null)
        {
            await transaction.CommitAsync(ct);
        }
        notifier.Appended(request.Tenant);

        LedgerTelemetry.EventsAppended.Add(appended.Count, new KeyValuePair<string, object?>("ledger.tenant", request.Tenant));
        activity?.SetTag("ledger.replayed", false);
        activity?.SetTag("ledger.chain_position", appended[^1].ChainPosition);
        LedgerTelemetry.AppendDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return new AppendResult(appended[^1].StreamVersion, appended, Replayed: false) { StreamId = request.StreamId };
    }

    /// <summary>The header of Marten's events that carries the command id (hashed, docs/ledger-format.md).</summary>
    public const string CommandIdHeader = "commandId";

    static List<AppendedEvent> Appended(ReadChainPositions positions, PreparedEvents prepared, long version) =>
        [.. prepared.EventIds.Select((id, i) => new AppendedEvent(id, positions.Links[i].Position, version + i + 1, positions.Links[i].Sequence))];

    sealed record AppendState(long? StreamVersion, AppendResult? Earlier);

    /// <summary>
    /// Before the lock: the stream's version and, if the command id was used before, its earlier
    /// result. <c>ledger.append_guard</c> checks both again under the lock.
    /// </summary>
    static async Task<AppendState> ReadStateAsync(NpgsqlConnection connection, AppendRequest request, CancellationToken ct)
    {
        var m = request.Metadata;
        await using var command = new NpgsqlCommand(m.CommandId is null ? StreamVersionSql : StreamVersionAndCommandSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.StreamId });
        if (m.CommandId is null)
        {
            return new AppendState(await command.ExecuteScalarAsync(ct) as long?, null);
        }
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = m.CommandId });
        var (streamVersion, earlier, recorded) = await ReadCommandAsync(command, ct);
        if (earlier is null)
        {
            return new AppendState(streamVersion, null);
        }
        // The rules of docs/api.md, "Idempotency-Key": a fingerprinted retry must match the first
        // request's fingerprint; without one, the same stream replays and another is refused.
        CheckFingerprint(m.CommandId, recorded, request.RequestFingerprint);
        if (request.RequestFingerprint is null && !string.Equals(earlier.StreamId, request.StreamId, StringComparison.Ordinal))
        {
            throw new CommandIdReusedException(m.CommandId);
        }
        return new AppendState(streamVersion, earlier);
    }

    /// <summary>
    /// Runs <see cref="StreamVersionAndCommandSql"/>: one statement, so one snapshot (two would see
    /// a command committed between them by halves, its events without its fingerprint).
    /// </summary>
    static async Task<(long? StreamVersion, AppendResult? Earlier, byte[]? Recorded)> ReadCommandAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        long? streamVersion = null;
        byte[]? recorded = null;
        string? stream = null;
        var events = new List<AppendedEvent>();
        while (await reader.ReadAsync(ct))
        {
            streamVersion = reader.IsDBNull(0) ? null : reader.GetInt64(0);
            if (reader.IsDBNull(2))
            {
                continue;
            }
            recorded = reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1);
            events.Add(new AppendedEvent(reader.GetGuid(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
            stream = reader.GetString(6);
        }
        return (streamVersion, events.Count == 0 ? null : new AppendResult(events[^1].StreamVersion, events, Replayed: true) { StreamId = stream }, recorded);
    }

    /// <summary>A fingerprinted retry must carry the fingerprint the command was recorded with.</summary>
    static void CheckFingerprint(string commandId, byte[]? recorded, byte[]? fingerprint)
    {
        if (fingerprint is not null && (recorded is null || !recorded.AsSpan().SequenceEqual(fingerprint)))
        {
            throw CommandIdReusedException.DifferentRequest(commandId);
        }
    }

    const string StreamVersionSql = "SELECT (SELECT s.version FROM marten.mt_streams s WHERE s.tenant_id = $1 AND s.id = $2)";

    // One row with no event when the command id is new; else one row per event it appended. The
    // stream's version is null without a stream ($2 null).
    const string StreamVersionAndCommandSql = """
        SELECT (SELECT s.version FROM marten.mt_streams s WHERE s.tenant_id = $1 AND s.id = $2),
               k.fingerprint, e.id, c.chain_position, e.version, e.seq_id, e.stream_id
          FROM (SELECT 1) one
          LEFT JOIN (ledger.chain c JOIN marten.mt_events e ON e.seq_id = c.seq_id) ON c.tenant = $1 AND c.command_id = $3
          LEFT JOIN ledger.commands k ON k.tenant = $1 AND k.command_id = $3
         ORDER BY c.chain_position
        """;

    /// <summary>The events' digests for the chain trigger (042), which would otherwise compute them: <c>id=hex;</c> each.</summary>
    static string Digests(PreparedEvents prepared)
    {
        var text = new System.Text.StringBuilder(prepared.EventIds.Length * 102);
        for (var i = 0; i < prepared.EventIds.Length; i++)
        {
            text.Append(prepared.EventIds[i].ToString("D")).Append('=').Append(Convert.ToHexStringLower(prepared.Digests[i])).Append(';');
        }
        return text.ToString();
    }

    /// <summary>With an outbox, the inline projections run in Marten's transaction, after its inserts and before its commit.</summary>
    sealed class InlineProjections(IProjection[] projections, Func<List<StoredEvent>> events) : ITransactionParticipant
    {
        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            // Their writes go in one round trip, not one each.
            ReplayBatch.Defer(transaction);
            try
            {
                await ProjectAsync(connection, transaction, projections, events(), token);
                await ReplayBatch.FlushAsync(connection, transaction, token);
            }
            finally
            {
                ReplayBatch.End(transaction);
            }
        }
    }

    static async Task ProjectAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IProjection[] projections, List<StoredEvent> events, CancellationToken ct)
    {
        using var activity = LedgerTelemetry.Source.StartActivity("ledger.project.inline");
        foreach (var projection in projections)
        {
            var mine = events.Where(e => projection.Projects(e.EventType)).ToList();
            if (mine.Count > 0)
            {
                await projection.ApplyAsync(connection, transaction, mine, ct);
            }
        }
    }

    /// <summary>
    /// The events just appended, from what the store sent and what Marten returned, so inline
    /// projections need no read-back while the chain is locked. The data is the canonical JSON
    /// that was stored (the same document as the row's jsonb). The hashes are computed in the
    /// database and left empty here: no projection reads them.
    /// </summary>
    static List<StoredEvent> Stored(AppendRequest request, PreparedEvents prepared, DateTimeOffset recordedAt, List<AppendedEvent> appended)
    {
        var m = request.Metadata;
        return [.. appended.Select((a, i) => new StoredEvent(
            a.GlobalPosition, request.Tenant, a.ChainPosition, request.StreamId, a.StreamVersion, a.EventId, prepared.Types[i], prepared.Data[i],
            m.Actor, m.CorrelationId, m.CausationId, m.CommandId, recordedAt, [], []))];
    }

    /// <summary>
    /// The result of an append already made with <paramref name="commandId"/>, or null. With a
    /// <paramref name="fingerprint"/>, the earlier append must have been made with the same one:
    /// otherwise the id was used for a different request and <see cref="CommandIdReusedException"/> says so.
    /// </summary>
    public async Task<AppendResult?> FindCommandAsync(string tenant, string commandId, byte[]? fingerprint = null, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(StreamVersionAndCommandSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = commandId });
        var (_, earlier, recorded) = await ReadCommandAsync(command, ct);
        if (earlier is not null)
        {
            CheckFingerprint(commandId, recorded, fingerprint);
        }
        return earlier;
    }

    sealed record PreparedEvents(Guid[] EventIds, string[] Types, string[] Data, byte[][] Digests);

    /// <summary>Validates the request and computes each event's canonical data and digest.</summary>
    static PreparedEvents Prepare(AppendRequest request, DateTimeOffset recordedAt)
    {
        LedgerInput.CheckTenant(request.Tenant);
        LedgerInput.CheckStream(request.StreamId, request.StreamType);
        LedgerInput.CheckMetadata(request.Metadata);
        if (request.Events is null || request.Events.Count is 0 or > MaxEventsPerAppend)
        {
            throw new LedgerFormatException($"An append carries between 1 and {MaxEventsPerAppend} events; this one has {request.Events?.Count ?? 0}.");
        }

        var n = request.Events.Count;
        var prepared = new PreparedEvents(new Guid[n], new string[n], new string[n], new byte[n][]);
        for (var i = 0; i < n; i++)
        {
            var e = LedgerInput.PrepareEvent(request.Tenant, request.StreamId, request.Events[i], request.Metadata, recordedAt);
            prepared.EventIds[i] = e.EventId;
            prepared.Types[i] = e.Type;
            prepared.Data[i] = e.Data;
            prepared.Digests[i] = e.Digest;
        }
        return prepared;
    }

    internal const string EventColumns = """
        global_position, tenant, chain_position, stream_id, stream_version, event_id, event_type, data::text,
        actor, correlation_id, causation_id, command_id, recorded_at, prev_hash, hash
        """;

    // A stream's events are found by Marten's (tenant_id, stream_id, version) index, which the
    // view's school (the chain's) cannot use: the same columns as EventColumns, from the tables.
    const string StreamEvents = "marten.mt_events e JOIN ledger.chain c ON c.seq_id = e.seq_id";

    const string StreamEventColumns = """
        e.seq_id, c.tenant, c.chain_position, e.stream_id::text, e.version, e.id, e.type::text, e.data::text,
        COALESCE(e.user_name, '')::text, e.correlation_id::text, e.causation_id::text, e.headers ->> 'commandId', e.timestamp, c.prev_hash, c.hash
        """;

    /// <summary>A stream's events in order, from <paramref name="fromVersion"/> (inclusive). Empty when the tenant has no such stream.</summary>
    public IAsyncEnumerable<StoredEvent> ReadStreamAsync(string tenant, string streamId, long fromVersion = 1, CancellationToken ct = default) =>
        Query($"""
            SELECT {StreamEventColumns} FROM {StreamEvents}
             WHERE e.tenant_id = $1 AND e.stream_id = $2 AND e.version >= $3
             ORDER BY e.version
            """, [tenant, streamId, fromVersion], ct);

    /// <summary>Several streams' events in one round trip, each in version order (empty for a stream that does not exist).</summary>
    public async Task<IReadOnlyDictionary<string, List<StoredEvent>>> ReadStreamsAsync(string tenant, IReadOnlyList<string> streamIds, CancellationToken ct = default)
    {
        var streams = streamIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => new List<StoredEvent>(), StringComparer.Ordinal);
        await foreach (var e in Query($"""
            SELECT {StreamEventColumns} FROM {StreamEvents}
             WHERE e.tenant_id = $1 AND e.stream_id = ANY($2)
             ORDER BY e.stream_id, e.version
            """, [tenant, streams.Keys.ToArray()], ct))
        {
            streams[e.StreamId].Add(e);
        }
        return streams;
    }

    /// <summary>A tenant's events in chain order, after <paramref name="afterPosition"/>, at most <paramref name="limit"/>.</summary>
    public IAsyncEnumerable<StoredEvent> ReadTenantAsync(string tenant, long afterPosition = 0, int limit = 1000, CancellationToken ct = default) =>
        Query($"""
            SELECT {EventColumns} FROM ledger.events
             WHERE tenant = $1 AND chain_position > $2
             ORDER BY chain_position
             LIMIT $3
            """, [tenant, afterPosition, limit], ct);

    /// <summary>The stream's current version, or null when the tenant has no such stream.</summary>
    public async Task<long?> GetStreamVersionAsync(string tenant, string streamId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("SELECT version FROM marten.mt_streams WHERE tenant_id = $1 AND id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        return await command.ExecuteScalarAsync(ct) is long version ? version : null;
    }

    async IAsyncEnumerable<StoredEvent> Query(string sql, object[] args, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            yield return ReadEvent(reader);
        }
    }

    /// <summary>Reads a row selected with the standard event column list.</summary>
    public static StoredEvent ReadEvent(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.GetInt64(4), r.GetGuid(5), r.GetString(6),
        r.GetString(7), r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10),
        r.IsDBNull(11) ? null : r.GetString(11), r.GetFieldValue<DateTimeOffset>(12), r.GetFieldValue<byte[]>(13),
        r.GetFieldValue<byte[]>(14));
}
