using System.Text.Json;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Marten;
using Npgsql;
using NpgsqlTypes;

namespace ComplianceLedger.EventStore.Import;

/// <summary>One event to import, in chain order: its stream, the event, who caused it and when it was recorded.</summary>
public sealed record ImportEvent(string StreamId, string StreamType, NewEvent Event, EventMetadata Metadata, DateTimeOffset RecordedAt);

/// <summary>What an import wrote: the chain positions it took, the new head and the streams it touched.</summary>
public sealed record ImportResult(
    string Tenant,
    long EventCount,
    long FirstChainPosition,
    long HeadPosition,
    byte[] HeadHash,
    int StreamsCreated,
    int StreamsExtended);

/// <summary>
/// Appends many events of one tenant in one transaction with PostgreSQL binary COPY into Marten's
/// events table. The rules are exactly those of <see cref="LedgerStore.AppendAsync"/>: the same
/// validation and canonical data, under the same school lock, and the database chains each row
/// as it does every append (040), so the result is byte for byte the chain that appending the
/// events one by one would have made, and it verifies. Why not Marten's own bulk appends:
/// docs/decisions.md, "Imports COPY into Marten's table in our own transaction".
/// </summary>
/// <remarks>
/// Everything that can be checked without the database is checked before a connection is
/// opened; what needs the database (command ids already used) is checked under the lock.
/// Any failure rolls the whole import back: nothing is written. Command ids keep their
/// meaning: each names one contiguous run of events on one stream, not already in the tenant.
/// The tenant's other writers wait on the school's lock for as long as the import runs.
/// </remarks>
public sealed class BulkImporter(NpgsqlDataSource dataSource)
{
    const string CopyCommand = """
        COPY marten.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type,
                               correlation_id, causation_id, headers, user_name)
        FROM STDIN (FORMAT BINARY)
        """;

    const int ProgressInterval = 1000;

    /// <summary>
    /// Runs in the import's transaction after its events are in, before it commits, with the events
    /// as written (hashes left empty, as inline projections get them): e.g. the read models that
    /// must commit with the events. Its failure rolls the import back.
    /// </summary>
    public Func<NpgsqlConnection, NpgsqlTransaction, IReadOnlyList<StoredEvent>, CancellationToken, Task>? BeforeCommit { get; init; }

    /// <param name="progress">Called with the number of events written so far.</param>
    public async Task<ImportResult> ImportAsync(
        string tenant, IReadOnlyList<ImportEvent> events, Action<long>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        using var activity = LedgerTelemetry.Source.StartActivity("ledger.import");
        activity?.SetTag("ledger.tenant", tenant);
        activity?.SetTag("ledger.event_count", events.Count);

        LedgerInput.CheckTenant(tenant);
        var plan = Plan(tenant, events);
        if (events.Count == 0)
        {
            return await NothingToImportAsync(tenant, ct);
        }

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        var (headPosition, headHash) = await LockSchoolAsync(connection, tx, tenant, ct);
        await CheckCommandIdsUnusedAsync(connection, tx, tenant, plan.CommandIds, ct);
        var versions = await StreamVersionsAsync(connection, tx, tenant, plan.Streams, ct);

        // Stream versions continue each stream; the trigger continues the tenant's chain.
        var next = new Dictionary<string, long>(versions, StringComparer.Ordinal);
        var eventVersions = new long[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var streamId = events[i].StreamId;
            eventVersions[i] = next[streamId] = next.TryGetValue(streamId, out var v) ? v + 1 : 1;
        }
        // Marten's events refer to their stream's row, so the streams go first.
        var (created, extended) = await UpsertStreamsAsync(connection, tx, tenant, plan, versions, next, ct);
        var sequence = await NextSequenceAsync(connection, tx, events.Count, ct);
        await NameLinksAsync(connection, tx, plan, eventVersions, headPosition, headHash, ct);

        await using (var writer = await connection.BeginBinaryImportAsync(CopyCommand, ct))
        {
            for (var i = 0; i < events.Count; i++)
            {
                var source = events[i];
                var e = plan.Prepared[i];
                var metadata = source.Metadata;

                await writer.StartRowAsync(ct);
                await writer.WriteAsync(sequence[i], NpgsqlDbType.Bigint, ct);
                await writer.WriteAsync(e.EventId, NpgsqlDbType.Uuid, ct);
                await writer.WriteAsync(source.StreamId, NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync(eventVersions[i], NpgsqlDbType.Bigint, ct);
                await writer.WriteAsync(e.Data, NpgsqlDbType.Jsonb, ct);
                await writer.WriteAsync(e.Type, NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync(plan.RecordedAt[i], NpgsqlDbType.TimestampTz, ct);
                await writer.WriteAsync(tenant, NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync(LedgerEventData.DotNetTypeName, NpgsqlDbType.Varchar, ct);
                await WriteOptionalAsync(writer, metadata.CorrelationId, ct);
                await WriteOptionalAsync(writer, metadata.CausationId, ct);
                if (metadata.CommandId is null)
                {
                    await writer.WriteNullAsync(ct);
                }
                else
                {
                    await writer.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { [LedgerStore.CommandIdHeader] = metadata.CommandId }), NpgsqlDbType.Jsonb, ct);
                }
                await writer.WriteAsync(metadata.Actor, NpgsqlDbType.Varchar, ct);

                if ((i + 1) % ProgressInterval == 0)
                {
                    progress?.Invoke(i + 1);
                }
            }
            await writer.CompleteAsync(ct);
        }

        if (BeforeCommit is { } beforeCommit)
        {
            var stored = new StoredEvent[events.Count];
            for (var i = 0; i < events.Count; i++)
            {
                var (source, e) = (events[i], plan.Prepared[i]);
                stored[i] = new StoredEvent(sequence[i], tenant, headPosition + 1 + i, source.StreamId, eventVersions[i], e.EventId, e.Type, e.Data,
                    source.Metadata.Actor, source.Metadata.CorrelationId, source.Metadata.CausationId, source.Metadata.CommandId, plan.RecordedAt[i], [], []);
            }
            await beforeCommit(connection, tx, stored, ct);
        }
        var (lastPosition, lastHash) = await ReadHeadAsync(connection, tx, tenant, ct);
        await tx.CommitAsync(ct);
        AppendNotifier.For(dataSource).Appended(tenant);

        progress?.Invoke(events.Count);
        LedgerTelemetry.EventsAppended.Add(events.Count, new KeyValuePair<string, object?>("ledger.tenant", tenant));
        activity?.SetTag("ledger.chain_position", lastPosition);
        return new ImportResult(tenant, events.Count, headPosition + 1, lastPosition, lastHash, created, extended);
    }

    /// <summary>The import checked and digested, before any database work.</summary>
    sealed record ImportPlan(
        PreparedEvent[] Prepared,
        DateTimeOffset[] RecordedAt,
        List<(string StreamId, string StreamType, DateTimeOffset FirstRecordedAt)> Streams,
        string[] CommandIds);

    static ImportPlan Plan(string tenant, IReadOnlyList<ImportEvent> events)
    {
        var n = events.Count;
        var recordedAt = new DateTimeOffset[n];
        var streamIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var streams = new List<(string StreamId, string StreamType, DateTimeOffset FirstRecordedAt)>();
        var commandStreams = new Dictionary<string, string>(StringComparer.Ordinal);
        string? previousCommand = null;
        var checkedMetadata = new HashSet<EventMetadata>(ReferenceEqualityComparer.Instance);

        for (var i = 0; i < n; i++)
        {
            try
            {
                var e = events[i] ?? throw new LedgerFormatException("The event is missing.");
                if (streamIndex.TryGetValue(e.StreamId ?? "", out var s))
                {
                    if (!string.Equals(streams[s].StreamType, e.StreamType, StringComparison.Ordinal))
                    {
                        throw new LedgerFormatException(
                            $"Stream {e.StreamId} has type {streams[s].StreamType} earlier in the import, not {e.StreamType}.");
                    }
                }
                else
                {
                    LedgerInput.CheckStream(e.StreamId, e.StreamType);
                    streamIndex[e.StreamId!] = streams.Count;
                    streams.Add((e.StreamId!, e.StreamType, ChainHash.TruncateToMicroseconds(e.RecordedAt)));
                }
                // Imports often share one metadata instance across many events: check it once.
                if (checkedMetadata.Add(e.Metadata))
                {
                    LedgerInput.CheckMetadata(e.Metadata);
                }

                var command = e.Metadata.CommandId;
                if (command is not null)
                {
                    if (commandStreams.TryGetValue(command, out var stream))
                    {
                        if (!string.Equals(stream, e.StreamId, StringComparison.Ordinal))
                        {
                            throw new CommandIdReusedException(command);
                        }
                        if (!string.Equals(previousCommand, command, StringComparison.Ordinal))
                        {
                            throw new LedgerFormatException(
                                $"The events of command {command} must be contiguous, as one append would have written them.");
                        }
                    }
                    else
                    {
                        commandStreams[command] = e.StreamId!;
                    }
                }
                previousCommand = command;
                recordedAt[i] = ChainHash.TruncateToMicroseconds(e.RecordedAt);
            }
            catch (LedgerFormatException x)
            {
                throw new LedgerFormatException($"Import event {i + 1}: {x.Message}");
            }
        }

        // Canonical JSON and digests are independent per event: spread them over the cores.
        var prepared = new PreparedEvent[n];
        var firstBad = (Index: int.MaxValue, Message: "");
        var gate = new Lock();
        Parallel.For(0, n, (i, state) =>
        {
            try
            {
                var e = events[i];
                prepared[i] = LedgerInput.PrepareEvent(tenant, e.StreamId, e.Event, e.Metadata, recordedAt[i]);
            }
            catch (LedgerFormatException x)
            {
                // Report the first bad event in import order, whichever thread met it.
                lock (gate)
                {
                    if (i < firstBad.Index)
                    {
                        firstBad = (i, x.Message);
                    }
                }
                state.Break();
            }
        });
        if (firstBad.Index != int.MaxValue)
        {
            throw new LedgerFormatException($"Import event {firstBad.Index + 1}: {firstBad.Message}");
        }
        return new ImportPlan(prepared, recordedAt, streams, [.. commandStreams.Keys]);
    }

    /// <summary>Takes the school's lock (as every append does) and returns its chain's last position and hash.</summary>
    static async Task<(long Position, byte[] Hash)> LockSchoolAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, CancellationToken ct)
    {
        await using (var lockSchool = new NpgsqlCommand(LedgerMarten.LockSchoolSql, connection, tx))
        {
            lockSchool.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            await lockSchool.ExecuteNonQueryAsync(ct);
        }
        await using var select = new NpgsqlCommand(
            "SELECT chain_position, hash FROM ledger.chain WHERE tenant = $1 ORDER BY chain_position DESC LIMIT 1", connection, tx);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await select.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)) : (0, ChainHash.Genesis.ToArray());
    }

    /// <summary>
    /// Marks the transaction a bulk load, chained a statement at a time (042's <c>ledger.chain_bulk</c>),
    /// and names each event's hash, linked here from the head read under the lock: the database
    /// takes them as they are, and `ledger verify` recomputes every one.
    /// </summary>
    static async Task NameLinksAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, ImportPlan plan, long[] versions, long headPosition, byte[] headHash, CancellationToken ct)
    {
        var links = new System.Text.StringBuilder(plan.Prepared.Length * 102);
        var prev = headHash;
        for (var i = 0; i < plan.Prepared.Length; i++)
        {
            prev = ChainHash.Link(prev, headPosition + 1 + i, versions[i], plan.Prepared[i].Digest);
            links.Append(plan.Prepared[i].EventId.ToString("D")).Append('=').Append(Convert.ToHexStringLower(prev)).Append(';');
        }
        await using var name = new NpgsqlCommand("SELECT set_config('ledger.bulk', 'on', true), set_config('ledger.links', $1, true)", connection, tx);
        name.Parameters.Add(new NpgsqlParameter<string> { TypedValue = links.ToString() });
        await name.ExecuteNonQueryAsync(ct);
    }

    static async Task<(long Position, byte[] Hash)> ReadHeadAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, CancellationToken ct)
    {
        await using var select = new NpgsqlCommand("SELECT position, hash FROM ledger.chain_heads WHERE tenant = $1", connection, tx);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await select.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1))
            : throw new InvalidOperationException($"School {tenant} has no chain head after its import.");
    }

    /// <summary>The events' global positions, drawn from Marten's sequence in one round trip.</summary>
    static async Task<long[]> NextSequenceAsync(NpgsqlConnection connection, NpgsqlTransaction tx, int count, CancellationToken ct)
    {
        await using var select = new NpgsqlCommand("SELECT array_agg(nextval('marten.mt_events_sequence')) FROM generate_series(1, $1)", connection, tx);
        select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        var sequence = (long[])(await select.ExecuteScalarAsync(ct))!;
        Array.Sort(sequence);
        return sequence;
    }

    static async Task CheckCommandIdsUnusedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, string[] commandIds, CancellationToken ct)
    {
        if (commandIds.Length == 0)
        {
            return;
        }
        await using var select = new NpgsqlCommand(
            "SELECT command_id FROM ledger.chain WHERE tenant = $1 AND command_id = ANY($2) LIMIT 1", connection, tx);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        select.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = commandIds });
        if (await select.ExecuteScalarAsync(ct) is string used)
        {
            throw new CommandIdReusedException(used);
        }
    }

    static async Task<Dictionary<string, long>> StreamVersionsAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, List<(string StreamId, string StreamType, DateTimeOffset FirstRecordedAt)> streams, CancellationToken ct)
    {
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var select = new NpgsqlCommand(
            "SELECT id, version FROM marten.mt_streams WHERE tenant_id = $1 AND id = ANY($2)", connection, tx);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        select.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. streams.Select(s => s.StreamId)] });
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            versions[reader.GetString(0)] = reader.GetInt64(1);
        }
        return versions;
    }

    static async Task<(int Created, int Extended)> UpsertStreamsAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, ImportPlan plan,
        Dictionary<string, long> before, Dictionary<string, long> after, CancellationToken ct)
    {
        var created = plan.Streams.Where(s => !before.ContainsKey(s.StreamId)).ToList();
        var extended = plan.Streams.Where(s => before.ContainsKey(s.StreamId)).Select(s => s.StreamId).ToArray();
        if (created.Count > 0)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO marten.mt_streams (tenant_id, id, type, version, timestamp, created)
                SELECT $1, s.id, s.type, s.version, s.created, s.created FROM unnest($2::text[], $3::text[], $4::bigint[], $5::timestamptz[]) AS s (id, type, version, created)
                """, connection, tx);
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. created.Select(s => s.StreamId)] });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. created.Select(s => s.StreamType)] });
            insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. created.Select(s => after[s.StreamId])] });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. created.Select(s => s.FirstRecordedAt)] });
            await insert.ExecuteNonQueryAsync(ct);
        }
        if (extended.Length > 0)
        {
            await using var update = new NpgsqlCommand("""
                UPDATE marten.mt_streams AS t SET version = s.version
                  FROM unnest($2::text[], $3::bigint[]) AS s (id, version)
                 WHERE t.tenant_id = $1 AND t.id = s.id
                """, connection, tx);
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
            update.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = extended });
            update.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. extended.Select(id => after[id])] });
            await update.ExecuteNonQueryAsync(ct);
        }
        return (created.Count, extended.Length);
    }

    static Task WriteOptionalAsync(NpgsqlBinaryImporter writer, string? value, CancellationToken ct) =>
        value is null ? writer.WriteNullAsync(ct) : writer.WriteAsync(value, NpgsqlDbType.Varchar, ct);

    async Task<ImportResult> NothingToImportAsync(string tenant, CancellationToken ct)
    {
        await using var select = dataSource.CreateCommand("SELECT position, hash FROM ledger.chain_heads WHERE tenant = $1");
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await select.ExecuteReaderAsync(ct);
        var (position, hash) = await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)) : (0L, ChainHash.Genesis.ToArray());
        return new ImportResult(tenant, 0, position + 1, position, hash, 0, 0);
    }
}
