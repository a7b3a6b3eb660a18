using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>
/// One line per event in rm.audit_trail, in the words of <see cref="AuditLines"/>. Async: an
/// inspector reads it later, and writing it in the append would only slow the append. Each batch
/// is one multi-row INSERT.
/// </summary>
public sealed class AuditTrailProjection : IProjection
{
    public string Name => "audit-trail";

    public ProjectionMode Mode => ProjectionMode.Async;

    public bool Projects(string eventType) => true;

    public IReadOnlyList<ProjectionTable> Tables { get; } = [new("audit_trail") { InsertOnly = true }];

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct) =>
        Sql.ResetAsync(connection, transaction, tenant, ct, "rm.audit_trail");

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        // A rebuild writes positions its tables do not hold yet: COPY is the cheapest way in.
        if (ReplayBatch.IsReplaying(transaction))
        {
            await using var copy = await connection.BeginBinaryImportAsync(ProjectionTarget.Sql(transaction, """
                COPY rm.audit_trail (tenant, position, recorded_at, actor, event_type, stream_id, line) FROM STDIN (FORMAT BINARY)
                """), ct);
            // The rows go into Npgsql's buffer and are sent as it fills: written synchronously, a
            // value costs no async state machine.
            foreach (var e in events)
            {
                copy.StartRow();
                copy.Write(e.Tenant, NpgsqlTypes.NpgsqlDbType.Text);
                copy.Write(e.ChainPosition, NpgsqlTypes.NpgsqlDbType.Bigint);
                copy.Write(e.RecordedAt.ToUniversalTime(), NpgsqlTypes.NpgsqlDbType.TimestampTz);
                copy.Write(e.Actor, NpgsqlTypes.NpgsqlDbType.Text);
                copy.Write(e.EventType, NpgsqlTypes.NpgsqlDbType.Text);
                copy.Write(e.StreamId, NpgsqlTypes.NpgsqlDbType.Text);
                copy.Write(Line(e), NpgsqlTypes.NpgsqlDbType.Text);
            }
            await copy.CompleteAsync(ct);
            return;
        }
        await Sql.ExecuteAsync(connection, transaction, """
            INSERT INTO rm.audit_trail (tenant, position, recorded_at, actor, event_type, stream_id, line)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[])
            """, ct,
            events.Select(e => e.Tenant).ToArray(), events.Select(e => e.ChainPosition).ToArray(),
            events.Select(e => e.RecordedAt).ToArray(), events.Select(e => e.Actor).ToArray(),
            events.Select(e => e.EventType).ToArray(), events.Select(e => e.StreamId).ToArray(),
            events.Select(Line).ToArray());
    }

    /// <summary>The event's line, its people, accounts and policies as tokens named when read (<see cref="AuditLines"/>).</summary>
    public static string Line(StoredEvent e) => AuditLines.Line(e);
}
