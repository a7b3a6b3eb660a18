using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.AuditTrail;

/// <summary>
/// <c>GET /api/schools/{urn}/audit-trail</c>: the school's events as readable lines, newest
/// first, filtered by event type prefix, actor and recorded date range; paged by <c>before</c>
/// (a chain position). Each line's position is its proof in the ledger.
/// </summary>
public static class ShowAuditTrail
{
    public sealed record AuditLine(long Position, DateTimeOffset RecordedAt, string Actor, string EventType, string StreamId, string Line);

    public sealed record AuditTrailPage(LedgerPoint AsOf, IReadOnlyList<AuditLine> Lines, long? NextBefore);

    public static RouteGroupBuilder MapAuditTrail(this RouteGroupBuilder school)
    {
        school.MapGet("/audit-trail", Handle).RequireRoles(Roles.DashboardReaders).WithAsOf();
        return school;
    }

    public static async Task<Results<Ok<AuditTrailPage>, ProblemHttpResult>> Handle(
        string urn, ReadModelReader readModels, CancellationToken ct,
        string? type = null, string? actor = null, DateOnly? from = null, DateOnly? to = null, long? before = null, int limit = 100,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        if (limit is < 1 or > 1000 || before is < 1 || (from is not null && to is not null && from > to))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid audit trail filter",
                detail: "limit must be 1–1000, before a positive chain position, and from no later than to.");
        }
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        await using var command = scope.Command("""
            SELECT position, recorded_at, actor, event_type, stream_id, line FROM rm.audit_trail
             WHERE tenant = $1 AND ($2::text IS NULL OR starts_with(event_type, $2)) AND ($3::text IS NULL OR actor = $3)
               AND ($4::date IS NULL OR recorded_at >= $4::date) AND ($5::date IS NULL OR recorded_at < $5::date + 1)
               AND ($6::bigint IS NULL OR position < $6)
             ORDER BY position DESC LIMIT $7
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(Nullable(type, NpgsqlTypes.NpgsqlDbType.Text));
        command.Parameters.Add(Nullable(actor, NpgsqlTypes.NpgsqlDbType.Text));
        command.Parameters.Add(Nullable(from, NpgsqlTypes.NpgsqlDbType.Date));
        command.Parameters.Add(Nullable(to, NpgsqlTypes.NpgsqlDbType.Date));
        command.Parameters.Add(Nullable(before, NpgsqlTypes.NpgsqlDbType.Bigint));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var lines = new List<AuditLine>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                lines.Add(new AuditLine(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3),
                    reader.GetString(4), reader.GetString(5)));
            }
        }
        return TypedResults.Ok(new AuditTrailPage(scope.AsOf, lines, lines.Count == limit ? lines[^1].Position : null));
    }

    static NpgsqlParameter Nullable(object? value, NpgsqlTypes.NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };
}
