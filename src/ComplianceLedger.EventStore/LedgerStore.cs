using System.Diagnostics;
using System.Runtime.CompilerServices;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Projections;
using Npgsql;
using NpgsqlTypes;

namespace ComplianceLedger.EventStore;

/// <summary>
/// Appends to and reads from the ledger. Every append is one call of
/// <c>ledger.append_events</c>: one round trip, one transaction, the tenant's chain
/// extended under its chain-head lock. When inline projections handle any of the events,
/// they run in that same transaction.
/// </summary>
public sealed class LedgerStore(NpgsqlDataSource dataSource, TimeProvider time, IEnumerable<IProjection>? projections = null)
{
    readonly IProjection[] inline = projections?.Where(p => p.Mode == ProjectionMode.Inline).ToArray() ?? [];

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

        var interested = inline.Where(p => prepared.Types.Any(p.Projects)).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // Inline projections share the append's transaction; without them the function call is its own.
        await using var transaction = interested.Length > 0 ? await connection.BeginTransactionAsync(ct) : null;
        await using var command = new NpgsqlCommand(AppendSql, connection, transaction);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string> { TypedValue = request.Tenant });
        p.Add(new NpgsqlParameter<string> { TypedValue = request.StreamId });
        p.Add(new NpgsqlParameter<string> { TypedValue = request.StreamType });
        p.Add(new NpgsqlParameter { Value = (object?)request.ExpectedVersion.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        p.Add(Text(request.Metadata.CommandId));
        p.Add(new NpgsqlParameter<string> { TypedValue = request.Metadata.Actor });
        p.Add(Text(request.Metadata.CorrelationId));
        p.Add(Text(request.Metadata.CausationId));
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = recordedAt });
        p.Add(new NpgsqlParameter<Guid[]> { TypedValue = prepared.EventIds });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = prepared.Types });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = prepared.Data });
        p.Add(new NpgsqlParameter<byte[][]> { TypedValue = prepared.Digests });
        p.Add(new NpgsqlParameter { Value = (object?)request.RequestFingerprint ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });

        var appended = new List<AppendedEvent>(prepared.EventIds.Length);
        var replayed = false;
        string? replayedStream = null;
        try
        {
            // Prepared once per physical connection; Npgsql keeps it across pooled opens, so
            // after the first append this costs nothing. Besides saving the parse, it keeps
            // the function's cached plans alive: a pooled connection with no prepared
            // statement is reset with DISCARD ALL, which throws them away on every append.
            await command.PrepareAsync(ct);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                replayed = reader.GetBoolean(3);
                replayedStream = replayed ? reader.GetString(4) : null;
                appended.Add(new AppendedEvent(
                    replayed ? Guid.Empty : prepared.EventIds[appended.Count],
                    reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }
        catch (PostgresException e) when (e.SqlState == "LDG01")
        {
            activity?.SetStatus(ActivityStatusCode.Error, "wrong expected version");
            throw new WrongExpectedVersionException(request.StreamId, request.ExpectedVersion, long.Parse(e.Hint!, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (PostgresException e) when (e.SqlState == "LDG02")
        {
            activity?.SetStatus(ActivityStatusCode.Error, "command id reused");
            throw new CommandIdReusedException(request.Metadata.CommandId!);
        }
        catch (PostgresException e) when (e.SqlState == "LDG03")
        {
            activity?.SetStatus(ActivityStatusCode.Error, "command id used for a different request");
            throw CommandIdReusedException.DifferentRequest(request.Metadata.CommandId!);
        }

        if (transaction is not null && !replayed)
        {
            // The school's chain head stays locked from the append to the commit, and every other
            // writer of the school waits that long: the projections' writes are held back and go
            // with the COMMIT, one round trip instead of two.
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
        else if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        if (replayed)
        {
            appended = await WithEventIds(connection, request.Tenant, appended, ct);
        }
        else
        {
            LedgerTelemetry.EventsAppended.Add(appended.Count, new KeyValuePair<string, object?>("ledger.tenant", request.Tenant));
        }
        activity?.SetTag("ledger.replayed", replayed);
        activity?.SetTag("ledger.chain_position", appended[^1].ChainPosition);
        LedgerTelemetry.AppendDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        // A replay names the stream the first attempt wrote to: a retried create drew a new id this time.
        return new AppendResult(appended[^1].StreamVersion, appended, replayed) { StreamId = replayedStream ?? request.StreamId };
    }

    const string AppendSql = "SELECT * FROM ledger.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

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
    /// The events just appended, from what the store sent and what the function returned, so
    /// inline projections need no read-back while the chain head is locked. The data is the
    /// canonical JSON that was stored (the same document as the row's jsonb). The hashes are
    /// computed in the database and left empty here: no projection reads them.
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
        await using var command = dataSource.CreateCommand("""
            SELECT e.event_id, e.chain_position, e.stream_version, e.global_position, e.stream_id, c.fingerprint
              FROM ledger.events e
              LEFT JOIN ledger.commands c ON c.tenant = e.tenant AND c.command_id = e.command_id
             WHERE e.tenant = $1 AND e.command_id = $2 ORDER BY e.chain_position
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = commandId });
        var events = new List<AppendedEvent>();
        string? streamId = null;
        byte[]? recorded = null;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(new AppendedEvent(reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
            streamId = reader.GetString(4);
            recorded = reader.IsDBNull(5) ? null : reader.GetFieldValue<byte[]>(5);
        }
        if (events.Count == 0)
        {
            return null;
        }
        if (fingerprint is not null && (recorded is null || !recorded.AsSpan().SequenceEqual(fingerprint)))
        {
            throw CommandIdReusedException.DifferentRequest(commandId);
        }
        return new AppendResult(events[^1].StreamVersion, events, Replayed: true) { StreamId = streamId };
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

    static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    static async Task<List<AppendedEvent>> WithEventIds(NpgsqlConnection connection, string tenant, List<AppendedEvent> appended, CancellationToken ct)
    {
        var ids = new Dictionary<long, Guid>();
        await using var command = new NpgsqlCommand(
            "SELECT chain_position, event_id FROM ledger.events WHERE tenant = $1 AND chain_position = ANY($2)", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. appended.Select(a => a.ChainPosition)] });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids[reader.GetInt64(0)] = reader.GetGuid(1);
        }
        return [.. appended.Select(a => a with { EventId = ids[a.ChainPosition] })];
    }

    internal const string EventColumns = """
        global_position, tenant, chain_position, stream_id, stream_version, event_id, event_type, data::text,
        actor, correlation_id, causation_id, command_id, recorded_at, prev_hash, hash
        """;

    /// <summary>A stream's events in order, from <paramref name="fromVersion"/> (inclusive). Empty when the tenant has no such stream.</summary>
    public IAsyncEnumerable<StoredEvent> ReadStreamAsync(string tenant, string streamId, long fromVersion = 1, CancellationToken ct = default) =>
        Query($"""
            SELECT {EventColumns} FROM ledger.events
             WHERE tenant = $1 AND stream_id = $2 AND stream_version >= $3
             ORDER BY stream_version
            """, [tenant, streamId, fromVersion], ct);

    /// <summary>Several streams' events in one round trip, each in version order (empty for a stream that does not exist).</summary>
    public async Task<IReadOnlyDictionary<string, List<StoredEvent>>> ReadStreamsAsync(string tenant, IReadOnlyList<string> streamIds, CancellationToken ct = default)
    {
        var streams = streamIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => new List<StoredEvent>(), StringComparer.Ordinal);
        await foreach (var e in Query($"""
            SELECT {EventColumns} FROM ledger.events
             WHERE tenant = $1 AND stream_id = ANY($2)
             ORDER BY stream_id, stream_version
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
        await using var command = dataSource.CreateCommand("SELECT version FROM ledger.streams WHERE tenant = $1 AND stream_id = $2");
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
