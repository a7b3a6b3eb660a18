using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Compliance;

/// <summary>
/// The school's compliance picture from rm.compliance: counts per rule and status, coverage
/// by role for each current policy version, and the items behind every figure with the
/// ledger positions that prove them. A verdict with a date passes to overdue once the day
/// asked about is after it, with no event needed; dated facts (a start, leave, a return, a role
/// change, a leaving) are judged on their date (ReadModelReader catches the school's day up).
/// Coverage counts active people only: those on leave or not yet started are shown beside it.
/// </summary>
public static class SchoolCompliance
{
    public sealed record StatusCounts(string Rule, int Ok, int Due, int Overdue, int Attention, int OnLeave, int NotStarted = 0);

    /// <summary>Required counts active people only; <c>onLeave</c> and <c>notStarted</c> are beside it, never in it.</summary>
    public sealed record RoleCoverage(string Role, int Required, int Acknowledged, decimal Percent, int OnLeave = 0, int NotStarted = 0);

    public sealed record PolicyCoverage(string PolicyId, string VersionLabel, string Title, int Required, int Acknowledged, decimal Percent,
        IReadOnlyList<RoleCoverage> ByRole, int OnLeave = 0, int NotStarted = 0);

    public sealed record Summary(LedgerPoint AsOf, string Urn, string? Name, string? TrustId, DateOnly On, IReadOnlyList<StatusCounts> Rules, IReadOnlyList<PolicyCoverage> Coverage);

    /// <summary><c>late</c>: acknowledged (ok), but after the deadline.</summary>
    public sealed record Item(string Rule, string SubjectId, string SubjectKind, Guid? PersonId, string? PersonName, string? Scope,
        string Status, DateOnly? DueOn, IReadOnlyList<string> Roles, string Detail, IReadOnlyList<long> Proof, bool Late = false);

    /// <summary>The status as of <c>$2</c>: dated verdicts turn overdue after their date.</summary>
    public const string StatusOn = "CASE WHEN c.due_on IS NOT NULL AND c.due_on < $2 AND c.status IN ('ok', 'due') THEN 'overdue' ELSE c.status END";

    /// <summary>Statuses of people who are not active that day: shown beside coverage, never counted in it.</summary>
    public const string Inactive = "('on-leave', 'not-started')";

    public static async Task<Ok<Summary>> Handle(
        string urn, [Description(AsOfQuestion.Description)] string? asOf, ReadModelReader readModels, CancellationToken ct)
    {
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        return TypedResults.Ok(await SummariseAsync(scope, urn, ct));
    }

    /// <summary>The live summary judged on <paramref name="on"/>.</summary>
    public static async Task<Summary> SummariseAsync(NpgsqlDataSource dataSource, string urn, DateOnly on, CancellationToken ct)
    {
        await using var scope = await ReadModelReader.OpenLiveAsync(dataSource, urn, on, ct);
        return await SummariseAsync(scope, urn, ct);
    }

    public static async Task<Summary> SummariseAsync(ReadScope scope, string urn, CancellationToken ct)
    {
        var on = scope.On;
        await using var batch = scope.Batch(
            Command("SELECT name, trust_id FROM rm.schools WHERE tenant = $1", urn, on),
            Command($"""
                SELECT c.rule, {StatusOn} AS s, count(*)::int FROM rm.compliance c WHERE c.tenant = $1 GROUP BY 1, 2 ORDER BY 1
                """, urn, on),
            Command($"""
                SELECT v.policy_id, v.version_label, v.title, r.role, count(*) FILTER (WHERE c.status NOT IN {Inactive})::int,
                       count(*) FILTER (WHERE {StatusOn} = 'ok')::int,
                       count(*) FILTER (WHERE c.status = 'on-leave')::int, count(*) FILTER (WHERE c.status = 'not-started')::int
                  FROM rm.compliance c
                  JOIN rm.policy_versions v ON v.tenant = c.tenant AND v.policy_id = c.scope AND v.is_current
                  CROSS JOIN LATERAL unnest(c.roles) AS r(role)
                 WHERE c.tenant = $1 AND c.rule = 'acknowledgement' AND r.role = ANY(v.audiences)
                 GROUP BY 1, 2, 3, 4 ORDER BY 1, 4
                """, urn, on),
            Command($"""
                SELECT c.scope, count(*) FILTER (WHERE c.status NOT IN {Inactive})::int, count(*) FILTER (WHERE {StatusOn} = 'ok')::int,
                       count(*) FILTER (WHERE c.status = 'on-leave')::int, count(*) FILTER (WHERE c.status = 'not-started')::int
                  FROM rm.compliance c WHERE c.tenant = $1 AND c.rule = 'acknowledgement' GROUP BY 1
                """, urn, on));
        await using var reader = await batch.ExecuteReaderAsync(ct);

        string? name = null, trust = null;
        if (await reader.ReadAsync(ct))
        {
            name = reader.GetString(0);
            trust = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        await reader.NextResultAsync(ct);
        var counts = new Dictionary<string, Dictionary<string, int>>();
        while (await reader.ReadAsync(ct))
        {
            var rule = reader.GetString(0);
            counts.TryAdd(rule, []);
            counts[rule][reader.GetString(1)] = reader.GetInt32(2);
        }
        await reader.NextResultAsync(ct);
        var byRole = new List<(string Policy, string Version, string Title, string Role, int Required, int Done, int OnLeave, int NotStarted)>();
        while (await reader.ReadAsync(ct))
        {
            byRole.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetInt32(5),
                reader.GetInt32(6), reader.GetInt32(7)));
        }
        await reader.NextResultAsync(ct);
        var totals = new Dictionary<string, (int Required, int Done, int OnLeave, int NotStarted)>();
        while (await reader.ReadAsync(ct))
        {
            totals[reader.GetString(0)] = (reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
        }

        var rules = counts.Select(c => new StatusCounts(c.Key, Get(c.Value, "ok"), Get(c.Value, "due"), Get(c.Value, "overdue"),
            Get(c.Value, "attention"), Get(c.Value, "on-leave"), Get(c.Value, "not-started"))).ToList();
        var coverage = byRole.GroupBy(r => (r.Policy, r.Version, r.Title)).Select(g =>
        {
            var (required, done, onLeave, notStarted) = totals.GetValueOrDefault(g.Key.Policy);
            return new PolicyCoverage(g.Key.Policy, g.Key.Version, g.Key.Title, required, done, Percent(done, required),
                [.. g.Select(r => new RoleCoverage(r.Role, r.Required, r.Done, Percent(r.Done, r.Required), r.OnLeave, r.NotStarted))], onLeave, notStarted);
        }).ToList();
        return new Summary(scope.AsOf, urn, name, trust, on, rules, coverage);
    }

    public static async Task<Ok<Listing<Item>>> Items(
        string urn, ReadModelReader readModels, PersonalDataVault vault, CancellationToken ct,
        string? rule = null, string? status = null, string? role = null, string? policy = null,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        return TypedResults.Ok(new Listing<Item>(scope.AsOf, await ItemsAsync(scope, vault, urn, ct, rule, status, role, policy)));
    }

    /// <summary>The items behind the figures in <paramref name="scope"/> (live or "as of"), so a page reads them in the summary's snapshot.</summary>
    public static async Task<Item[]> ItemsAsync(
        ReadScope scope, PersonalDataVault vault, string urn, CancellationToken ct,
        string? rule = null, string? status = null, string? role = null, string? policy = null)
    {
        var on = scope.On;
        await using var command = scope.Command($"""
            SELECT c.rule, c.subject_id, c.subject_kind, c.person_id, p.sealed_name, c.scope, {StatusOn} AS s, c.due_on, c.roles, c.detail, c.proof, c.late
              FROM rm.compliance c LEFT JOIN rm.people p ON p.tenant = c.tenant AND p.person_id = c.person_id
             WHERE c.tenant = $1 AND ($3::text IS NULL OR c.rule = $3) AND ($5::text IS NULL OR $5 = ANY(c.roles))
               AND ($6::text IS NULL OR c.scope = $6)
             ORDER BY c.rule, c.scope, c.subject_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = on });
        command.Parameters.Add(Text(rule));
        command.Parameters.Add(Text(status));
        command.Parameters.Add(Text(role));
        command.Parameters.Add(Text(policy));
        var rows = new List<(Item Item, string? Sealed)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var rowStatus = reader.GetString(6);
                if (status is not null && rowStatus != status)
                {
                    continue;
                }
                rows.Add((new Item(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3), null,
                    reader.IsDBNull(5) ? null : reader.GetString(5), rowStatus, reader.IsDBNull(7) ? null : reader.GetFieldValue<DateOnly>(7),
                    reader.GetFieldValue<string[]>(8), reader.GetString(9), reader.GetFieldValue<long[]>(10), reader.GetBoolean(11)),
                    reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
        }
        var names = await vault.OpenAsync(urn, rows.Where(r => r.Sealed is not null).Select(r => r.Sealed!), ct);
        var erased = await Retention.ErasedWords.ForAsync(vault, urn, names.Where(n => n.Value is null).Select(n => n.Key), ct);
        return [.. rows.Select(r => r.Item with { PersonName = r.Sealed is null ? null : names[r.Sealed] ?? erased[r.Sealed] })];
    }

    static NpgsqlBatchCommand Command(string sql, string urn, DateOnly on)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = on });
        return command;
    }

    static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    static int Get(Dictionary<string, int> counts, string status) => counts.GetValueOrDefault(status);

    public static decimal Percent(int done, int required) => required == 0 ? 100m : Math.Round(100m * done / required, 1);
}
