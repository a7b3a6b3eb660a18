using Npgsql;

namespace ComplianceLedger.EventStore.Projections.Daemon;

/// <summary>One async projection's place in one tenant's chain (<c>ledger.projection_progress</c>).</summary>
public sealed record ProjectionPlace(string Projection, string Tenant, long Position, bool Paused);

/// <summary>Where an async projection stands: how far behind, and which tenants are paused and why.</summary>
public sealed record ProjectionStatus(
    string Projection, long LagEvents, double LagSeconds, int TenantsBehind, IReadOnlyList<PausedTenant> Paused);

/// <summary>A tenant an async projection has stopped for, at the event it could not apply.</summary>
public sealed record PausedTenant(string Tenant, long Position, DateTimeOffset PausedAt, string Error);

/// <summary>Reads and moves projection checkpoints. Every write happens on the caller's transaction.</summary>
public static class ProjectionProgress
{
    /// <summary>Locks (creating when missing) the tenants' rows for these projections, in a fixed order.</summary>
    public static async Task<Dictionary<(string Projection, string Tenant), ProjectionPlace>> LockAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, string[] tenants, string[] projections, CancellationToken ct)
    {
        var places = await ReadLockedAsync(c, tx, tenants, projections, ct);
        if (places.Count < projections.Length * tenants.Length)
        {
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO ledger.projection_progress (projection, tenant)
                SELECT p, t FROM unnest($1::text[]) AS p CROSS JOIN unnest($2::text[]) AS t ORDER BY 1, 2
                ON CONFLICT DO NOTHING
                """, c, tx))
            {
                insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = projections });
                insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tenants });
                await insert.ExecuteNonQueryAsync(ct);
            }
            places = await ReadLockedAsync(c, tx, tenants, projections, ct);
        }
        return places;
    }

    static async Task<Dictionary<(string, string), ProjectionPlace>> ReadLockedAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, string[] tenants, string[] projections, CancellationToken ct)
    {
        // Ordered locking: the daemon, a rebuild and a resume all take these rows in (projection, tenant) order.
        await using var command = new NpgsqlCommand("""
            SELECT projection, tenant, position, paused_at IS NOT NULL FROM ledger.projection_progress
             WHERE tenant = ANY($1) AND projection = ANY($2) ORDER BY projection, tenant FOR UPDATE
            """, c, tx);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tenants });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = projections });
        var places = new Dictionary<(string, string), ProjectionPlace>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var place = new ProjectionPlace(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetBoolean(3));
            places[(place.Projection, place.Tenant)] = place;
        }
        return places;
    }

    /// <summary>A batch command moving a projection on to <paramref name="last"/>, having taken in <paramref name="count"/> events.</summary>
    public static NpgsqlBatchCommand Advance(string projection, string tenant, StoredEvent last, int count)
    {
        var command = new NpgsqlBatchCommand("""
            UPDATE ledger.projection_progress
               SET position = $3, processed = processed + $4, last_recorded_at = $5, updated_at = now()
             WHERE projection = $1 AND tenant = $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = last.ChainPosition });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = count });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = last.RecordedAt });
        return command;
    }

    /// <summary>Stops the projection for this tenant at the event it could not apply.</summary>
    public static async Task PauseAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, string projection, string tenant, long poisonPosition, string error, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE ledger.projection_progress SET paused_at = now(), paused_position = $3, error = $4, updated_at = now()
             WHERE projection = $1 AND tenant = $2
            """, c, tx);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = poisonPosition });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = error });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Clears a pause (after a fix is deployed) and wakes the daemon; false when nothing was paused.</summary>
    public static async Task<bool> ResumeAsync(NpgsqlDataSource dataSource, string projection, string tenant, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            WITH resumed AS (
                UPDATE ledger.projection_progress SET paused_at = NULL, paused_position = NULL, error = NULL, updated_at = now()
                 WHERE projection = $1 AND tenant = $2 AND paused_at IS NOT NULL
                RETURNING tenant)
            SELECT pg_notify('ledger_appended', tenant) FROM resumed
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct);
    }

    /// <summary>Each projection's lag (events and age of the oldest one not yet applied) and its paused tenants.</summary>
    public static async Task<IReadOnlyList<ProjectionStatus>> StatusAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<string> projections, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT pr.projection, h.tenant, h.position - COALESCE(p.position, 0),
                   EXTRACT(EPOCH FROM now() - (SELECT e.recorded_at FROM ledger.events e
                                                WHERE e.tenant = h.tenant AND e.chain_position = COALESCE(p.position, 0) + 1))::float8,
                   p.paused_at, p.paused_position, p.error
              FROM ledger.chain_heads h
             CROSS JOIN unnest($1::text[]) AS pr(projection)
              LEFT JOIN ledger.projection_progress p ON p.projection = pr.projection AND p.tenant = h.tenant
             WHERE h.position > COALESCE(p.position, 0) OR p.paused_at IS NOT NULL
             ORDER BY pr.projection, h.tenant
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. projections] });
        var rows = new List<(string Projection, string Tenant, long Behind, double Age, DateTimeOffset? PausedAt, long? PausedPosition, string? Error)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? 0 : reader.GetDouble(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetInt64(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6)));
            }
        }
        return [.. projections.Select(name =>
        {
            var mine = rows.Where(r => r.Projection == name).ToList();
            return new ProjectionStatus(name, mine.Sum(r => r.Behind), mine.Count == 0 ? 0 : Math.Max(0, mine.Max(r => r.Age)),
                mine.Count(r => r.Behind > 0),
                [.. mine.Where(r => r.PausedAt is not null).Select(r => new PausedTenant(r.Tenant, r.PausedPosition ?? 0, r.PausedAt!.Value, r.Error ?? ""))]);
        })];
    }
}
