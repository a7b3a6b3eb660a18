using System.Text;
using System.Text.Json;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>
/// One line per event in rm.audit_trail. Async: an inspector reads it later, and writing it in
/// the append would only slow the append. Each batch is one multi-row INSERT.
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
            foreach (var e in events)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(e.Tenant, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.ChainPosition, NpgsqlTypes.NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(e.RecordedAt.ToUniversalTime(), NpgsqlTypes.NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(e.Actor, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.EventType, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.StreamId, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(Line(e), NpgsqlTypes.NpgsqlDbType.Text, ct);
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

    // Fields safe to show: identifiers, labels, dates and outcomes. Anything sealed (names,
    // descriptions, reasons) stays out, so crypto-shredding a person leaves the trail clean.
    static readonly string[] Shown =
    [
        "policyId", "versionLabel", "personId", "itemId", "accountId", "kind", "platform", "handle", "roles", "method",
        "effectiveFrom", "nextReviewDue", "leftOn", "from", "on", "outcome", "reviewOn", "until", "custodianId",
    ];

    /// <summary>"policy acknowledged (policyId safeguarding, versionLabel 3, personId …)".</summary>
    public static string Line(StoredEvent e)
    {
        // A rebuild writes a line per event: one builder, no list, and each type's words once.
        var line = new StringBuilder(Words.GetOrAdd(e.EventType, Describe), 160);
        var data = EventJson.Of(e);
        var opened = false;
        if (data.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in Shown)
            {
                if (data.TryGetProperty(field, out var value) && Text(value) is { Length: > 0 } text)
                {
                    line.Append(opened ? ", " : " (").Append(field).Append(' ').Append(text);
                    opened = true;
                }
            }
        }
        if (opened)
        {
            line.Append(')');
        }
        return line.ToString();
    }

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Words = new(StringComparer.Ordinal);

    static string Describe(string name)
    {
        var version = name.LastIndexOf(".v", StringComparison.Ordinal);
        return (version > 0 ? name[..version] : name).Replace('.', ' ').Replace('-', ' ');
    }

    static string? Text(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            JsonValueKind.Array => string.Join('/', value.EnumerateArray().Select(Text).Where(t => t is not null)),
            _ => null,
        };
        return text is { Length: > 80 } ? text[..80] : text;
    }
}
