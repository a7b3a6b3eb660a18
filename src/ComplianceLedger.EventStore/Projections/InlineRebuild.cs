using Npgsql;

namespace ComplianceLedger.EventStore.Projections;

/// <summary>
/// Replays the ledger into inline read models from scratch, in one transaction: readers see
/// the old rows until it commits. Read models are disposable; this is what proves it.
/// </summary>
public static class InlineRebuild
{
    const int Batch = 2000;

    /// <returns>The number of events replayed.</returns>
    public static async Task<long> RunAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<IProjection> projections, string? tenant = null,
        Action<long>? progress = null, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var projection in projections)
        {
            await projection.ResetAsync(connection, transaction, tenant, ct);
        }

        long replayed = 0;
        string lastTenant = "";
        long lastPosition = 0;
        while (true)
        {
            // Keyset pagination in (tenant, chain position) order: each tenant's events in chain order.
            var events = new List<StoredEvent>(Batch);
            await using (var command = new NpgsqlCommand("""
                SELECT global_position, tenant, chain_position, stream_id, stream_version, event_id, event_type, data::text,
                       actor, correlation_id, causation_id, command_id, recorded_at, prev_hash, hash
                  FROM ledger.events
                 WHERE ($1::text IS NULL OR tenant = $1) AND (tenant, chain_position) > ($2, $3)
                 ORDER BY tenant, chain_position
                 LIMIT $4
                """, connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = lastTenant });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lastPosition });
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
            foreach (var group in events.GroupBy(e => e.Tenant))
            {
                foreach (var projection in projections)
                {
                    var mine = group.Where(e => projection.Projects(e.EventType)).ToList();
                    if (mine.Count > 0)
                    {
                        await projection.ApplyAsync(connection, transaction, mine, ct);
                    }
                }
            }
            replayed += events.Count;
            (lastTenant, lastPosition) = (events[^1].Tenant, events[^1].ChainPosition);
            progress?.Invoke(replayed);
        }
        await transaction.CommitAsync(ct);
        return replayed;
    }
}
