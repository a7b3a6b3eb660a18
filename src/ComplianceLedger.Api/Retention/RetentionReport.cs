using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Retention.Pages;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Retention;

/// <summary>
/// The office's retention report, <c>/schools/{urn}/retention</c>: what was erased, when and under
/// which rule (from the <c>personal-data.erased.v1</c> events), what falls due next (counts by rule
/// and month, judged by the same <see cref="RetentionDue"/> the sweep uses), and the table in force
/// for the school's trust with its sources.
/// </summary>
public static class RetentionReport
{
    public static readonly Role[] Readers = [Role.Headteacher, Role.Slt, Role.Office];

    public sealed record ErasedRow(long Position, DateTimeOffset RecordedAt, string SubjectKind, Guid? PersonId, string? Roles, DateOnly? LeftOn,
        IReadOnlyList<string> Records, string Rule, DateOnly DueOn);

    public sealed record DueRow(string Rule, string Month, int Count);

    public sealed record Report(string Urn, string? SchoolName, DateOnly Today, RetentionTable Table, IReadOnlyList<ErasedRow> Erased,
        IReadOnlyList<DueRow> Next, int Kept);

    public static RouteGroupBuilder MapRetentionPages(this RouteGroupBuilder school)
    {
        school.MapGet("/retention", PageAsync).RequireRoles(Readers);
        return school;
    }

    static async Task<RazorComponentResult<RetentionPage>> PageAsync(
        string urn, NpgsqlDataSource dataSource, IConfiguration configuration, TimeProvider time, CancellationToken ct) =>
        new(new { Report = await ReadAsync(dataSource, configuration, urn, SchoolDay.Today(time), ct) });

    public static async Task<Report> ReadAsync(NpgsqlDataSource dataSource, IConfiguration configuration, string urn, DateOnly today, CancellationToken ct)
    {
        string? name = null, trust = null;
        await using (var command = dataSource.CreateCommand("SELECT name, trust_id FROM rm.schools WHERE tenant = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                (name, trust) = (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
            }
        }
        var table = RetentionTable.For(trust, configuration);
        var erased = new List<ErasedRow>();
        await using (var command = dataSource.CreateCommand("""
            SELECT e.chain_position, e.recorded_at, e.data ->> 'subjectKind', (e.data ->> 'personId')::uuid, array_to_string(p.roles, ', '), p.left_on,
                   ARRAY(SELECT jsonb_array_elements_text(e.data -> 'records')), e.data ->> 'rule', (e.data ->> 'dueOn')::date
              FROM ledger.events e LEFT JOIN rm.people p ON p.tenant = e.tenant AND p.person_id = (e.data ->> 'personId')::uuid
             WHERE e.tenant = $1 AND e.event_type = 'personal-data.erased.v1'
             ORDER BY e.chain_position DESC
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                erased.Add(new ErasedRow(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetFieldValue<DateOnly>(5), reader.GetFieldValue<string[]>(6), reader.GetString(7),
                    reader.GetFieldValue<DateOnly>(8)));
            }
        }
        // What falls due: the live keys' verdicts, as the sweep will judge them on their day.
        var facts = await RetentionFacts.ReadAsync(dataSource, urn, ct);
        var live = new HashSet<Guid>();
        await using (var command = dataSource.CreateCommand("SELECT subject_id FROM ledger.subject_keys WHERE tenant = $1 AND key IS NOT NULL"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                live.Add(reader.GetGuid(0));
            }
        }
        var verdicts = facts.Where(f => live.Contains(f.Key)).Select(f => RetentionDue.Due(f.Value, table, today)).ToList();
        var next = verdicts.Where(v => v.On is not null)
            .GroupBy(v => (v.Rule!.Name, Month: v.On!.Value <= today ? "due now" : v.On.Value.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture)))
            .Select(g => new DueRow(g.Key.Name, g.Key.Month, g.Count()))
            .OrderBy(r => r.Month == "due now" ? "" : r.Month, StringComparer.Ordinal).ThenBy(r => r.Rule, StringComparer.Ordinal)
            .ToList();
        return new Report(urn, name, today, table, erased, next, verdicts.Count(v => v.On is null));
    }
}
