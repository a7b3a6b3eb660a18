using System.ComponentModel;
using System.Security.Claims;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.Projections.ReadModels;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Trusts;

/// <summary>
/// A multi-academy trust's picture: each school's rule counts and acknowledgement coverage by
/// role, and the trust's totals. Only trust leaders of one of its schools see it. Live, or "as of"
/// a day: then each school of the trust is replayed to the end of that day, and each line says
/// which chain position and day of its school it reflects (docs/as-of.md).
/// </summary>
public static class TrustCompliance
{
    public sealed record SchoolLine(string Urn, string Name, long Position, LedgerPoint AsOf, IReadOnlyList<SchoolCompliance.StatusCounts> Rules,
        int Required, int Acknowledged, decimal Percent);

    public sealed record Summary(LedgerPoint AsOf, string TrustId, string? TrustName, DateOnly On, int Schools, int Required, int Acknowledged, decimal Percent,
        IReadOnlyList<SchoolCompliance.RoleCoverage> ByRole, IReadOnlyList<SchoolLine> SchoolLines);

    public const string AsOfDescription =
        "Answer from each school's ledger as it stood at the end of this day (yyyy-MM-dd, Europe/London, rules judged as on that day); "
        + "each school line says which chain position it reflects. Chain positions belong to one school: ask a school's dashboard for those. "
        + "Omit for the live read models.";

    public static async Task<Results<Ok<Summary>, ProblemHttpResult>> Handle(
        string trustId, ClaimsPrincipal user, NpgsqlDataSource dataSource, ReadModelReader readModels, TimeProvider time, CancellationToken ct,
        [Description(AsOfDescription)] string? asOf = null)
    {
        if (await TrustLeadership.LeaderAsync(dataSource, user, trustId, ct) is null)
        {
            return TypedResults.Problem($"You lead no trust {Hosting.ProblemWords.Echo(trustId)}.", title: "No such trust", statusCode: StatusCodes.Status404NotFound);
        }
        var question = AsOfQuestion.Parse(asOf);
        return question switch
        {
            AsOfQuestion.OnDay { Day: var day } => TypedResults.Ok(await AsOfAsync(dataSource, readModels, trustId, day, asOf!.Trim(), ct)),
            AsOfQuestion.AtPosition => TypedResults.Problem(
                "A chain position belongs to one school's ledger: ask a trust's dashboard as of a day (yyyy-MM-dd), "
                + "or ask each school's dashboard as of its own position (each line gives the school's URN and position).",
                title: "asOf for a trust is a day", statusCode: StatusCodes.Status400BadRequest),
            _ => TypedResults.Ok(await SummariseAsync(dataSource, trustId, SchoolDay.Today(time), ct, readModels.AsyncProjections)),
        };
    }

    /// <summary>What one school contributes: its line's facts and its verdict counts, live or as of a day.</summary>
    sealed record SchoolRows(string Urn, string Name, string? TrustName, LedgerPoint AsOf, List<CountRow> Counts, List<(string Policy, string[] Audience)> Audiences);

    sealed record CountRow(string Rule, string Status, int Count, string? Scope, string[] Roles);

    /// <summary>
    /// The live picture judged on <paramref name="on"/>. Each line says how far its school's async projections
    /// (the verdicts) have got when they lag the school's head, as a school's dashboard does.
    /// </summary>
    public static async Task<Summary> SummariseAsync(
        NpgsqlDataSource dataSource, string trustId, DateOnly on, CancellationToken ct, IReadOnlyList<string>? asyncProjections = null)
    {
        var statusOn = SchoolCompliance.StatusOn;
        // Dated facts take effect on their date: each school's verdicts are judged for the day first.
        await ComplianceProjection.CatchUpDayAsync(dataSource, await SchoolsAsync(dataSource, trustId, ct), on, ct);
        await using var batch = dataSource.CreateBatch();
        var schoolsCommand = Command("""
            SELECT s.tenant, s.name, s.trust_name, COALESCE(h.position, 0),
                   (SELECT e.recorded_at FROM ledger.events e WHERE e.tenant = s.tenant AND e.chain_position = h.position),
                   (SELECT min(COALESCE(p.position, 0)) FROM unnest($3::text[]) AS a(projection)
                      LEFT JOIN ledger.projection_progress p ON p.projection = a.projection AND p.tenant = s.tenant)
              FROM rm.schools s LEFT JOIN ledger.chain_heads h ON h.tenant = s.tenant
             WHERE s.trust_id = $1 ORDER BY s.tenant
            """, trustId, on);
        schoolsCommand.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. asyncProjections ?? []] });
        batch.BatchCommands.Add(schoolsCommand);
        // The verdicts' counts (rm.compliance_counts, kept by triggers on rm.compliance), not the
        // verdicts: a few hundred rows per school whatever its size. Every figure comes from this
        // one read; acknowledgement counts keep scope and roles for the coverage by role.
        batch.BatchCommands.Add(Command($"""
            SELECT c.tenant, c.rule, {statusOn}, sum(c.n)::int, c.scope, c.roles
              FROM rm.schools s JOIN rm.compliance_counts c ON c.tenant = s.tenant
             WHERE s.trust_id = $1 GROUP BY 1, 2, 3, 5, 6
            """, trustId, on));
        batch.BatchCommands.Add(Command("""
            SELECT v.tenant, v.policy_id, v.audiences
              FROM rm.schools s JOIN rm.policy_versions v ON v.tenant = s.tenant AND v.is_current
             WHERE s.trust_id = $1
            """, trustId, on));
        await using var reader = await batch.ExecuteReaderAsync(ct);

        var schools = new Dictionary<string, SchoolRows>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            var urn = reader.GetString(0);
            var position = reader.GetInt64(3);
            var recordedAt = reader.IsDBNull(4) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(4);
            long? behind = !reader.IsDBNull(5) && reader.GetInt64(5) < position ? reader.GetInt64(5) : null;
            schools[urn] = new SchoolRows(urn, reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                new LedgerPoint(position, on, recordedAt, Live: true, Requested: null, behind), [], []);
        }
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (schools.TryGetValue(reader.GetString(0), out var school))
            {
                school.Counts.Add(ReadCount(reader));
            }
        }
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (schools.TryGetValue(reader.GetString(0), out var school))
            {
                school.Audiences.Add((reader.GetString(1), reader.GetFieldValue<string[]>(2)));
            }
        }
        return Summarise(new LedgerPoint(null, on, null, Live: true, Requested: null), trustId, on, [.. schools.Values]);
    }

    /// <summary>
    /// Each school of the trust replayed to the end of <paramref name="day"/>, one after another, with the same rows the
    /// live dashboard reads (counted from the replayed verdicts: the count triggers do not follow a replay). A school
    /// with no records by then, or not yet in the trust, is not on it.
    /// </summary>
    static async Task<Summary> AsOfAsync(NpgsqlDataSource dataSource, ReadModelReader readModels, string trustId, DateOnly day, string requested, CancellationToken ct)
    {
        var candidates = await SchoolsAsync(dataSource, trustId, ct);
        // Bound the whole question before replaying any school: the same cap as one school's question.
        var positions = await readModels.PositionsAtEndOfAsync(candidates, day, requested, ct);
        var total = positions.Values.Sum();
        if (total > readModels.MaxEvents)
        {
            throw new CommandRefusedException(StatusCodes.Status422UnprocessableEntity, "Too much history to replay",
                $"Answering the trust as of {requested} means replaying {total} events across its schools; the limit is {readModels.MaxEvents}. "
                + "Ask each school's dashboard as of that day instead.");
        }
        var schools = new List<SchoolRows>();
        foreach (var urn in candidates.Where(u => positions.GetValueOrDefault(u) > 0))
        {
            await using var scope = await readModels.OpenAsync(urn, requested, ct);
            if (await ReadSchoolAsync(scope, urn, trustId, ct) is { } rows)
            {
                schools.Add(rows);
            }
        }
        if (schools.Count == 0)
        {
            throw new CommandRefusedException(StatusCodes.Status404NotFound, "The trust had no records then",
                $"No school of trust {trustId} had events recorded by the end of {requested} ({SchoolDay.Zone.Id}).");
        }
        return Summarise(new LedgerPoint(null, day, null, Live: false, Requested: requested), trustId, day, schools);
    }

    static async Task<SchoolRows?> ReadSchoolAsync(ReadScope scope, string urn, string trustId, CancellationToken ct)
    {
        var on = scope.On;
        // The keys of rm.compliance_counts (140_compliance_counts.sql), straight from the verdicts.
        await using var batch = scope.Batch(
            Command("SELECT name, trust_id, trust_name FROM rm.schools WHERE tenant = $1", urn, on),
            Command($"""
                SELECT c.tenant, c.rule, {SchoolCompliance.StatusOn}, count(*)::int, CASE WHEN c.rule = 'acknowledgement' THEN c.scope END,
                       CASE WHEN c.rule = 'acknowledgement' THEN c.roles ELSE '{"{}"}' END
                  FROM rm.compliance c WHERE c.tenant = $1 GROUP BY 1, 2, 3, 5, 6
                """, urn, on),
            Command("SELECT v.tenant, v.policy_id, v.audiences FROM rm.policy_versions v WHERE v.tenant = $1 AND v.is_current", urn, on));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct) || reader.IsDBNull(1) || reader.GetString(1) != trustId)
        {
            return null;
        }
        var rows = new SchoolRows(urn, reader.GetString(0), reader.IsDBNull(2) ? null : reader.GetString(2), scope.AsOf, [], []);
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Counts.Add(ReadCount(reader));
        }
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Audiences.Add((reader.GetString(1), reader.GetFieldValue<string[]>(2)));
        }
        return rows;
    }

    static CountRow ReadCount(NpgsqlDataReader reader) =>
        new(reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<string[]>(5));

    /// <summary>The trust's figures from its schools' rows; live and "as of" alike.</summary>
    static Summary Summarise(LedgerPoint asOf, string trustId, DateOnly on, IReadOnlyList<SchoolRows> schools)
    {
        // A verdict counts once for each of its roles that a current version addresses
        // (each role listed, against each current version, as the per-school join does).
        var roles = new Dictionary<string, (int Required, int Done)>(StringComparer.Ordinal);
        var lines = new List<SchoolLine>();
        foreach (var school in schools.OrderBy(s => s.Urn, StringComparer.Ordinal))
        {
            var (required, done) = (0, 0);
            var byRule = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
            foreach (var c in school.Counts)
            {
                var byStatus = byRule.TryGetValue(c.Rule, out var found) ? found : byRule[c.Rule] = [];
                byStatus[c.Status] = byStatus.GetValueOrDefault(c.Status) + c.Count;
                // People on leave or not yet started are beside coverage, never in it.
                if (c.Rule != "acknowledgement" || c.Status is "on-leave" or "not-started")
                {
                    continue;
                }
                var ok = c.Status == "ok";
                (required, done) = (required + c.Count, done + (ok ? c.Count : 0));
                foreach (var (_, audience) in school.Audiences.Where(a => a.Policy == c.Scope))
                {
                    foreach (var role in c.Roles.Where(audience.Contains))
                    {
                        var (r, d) = roles.GetValueOrDefault(role);
                        roles[role] = (r + c.Count, d + (ok ? c.Count : 0));
                    }
                }
            }
            var rules = byRule.OrderBy(r => r.Key, StringComparer.Ordinal)
                .Select(r => new SchoolCompliance.StatusCounts(r.Key, r.Value.GetValueOrDefault("ok"), r.Value.GetValueOrDefault("due"),
                    r.Value.GetValueOrDefault("overdue"), r.Value.GetValueOrDefault("attention"), r.Value.GetValueOrDefault("on-leave"),
                    r.Value.GetValueOrDefault("not-started")))
                .ToList();
            lines.Add(new SchoolLine(school.Urn, school.Name, school.AsOf.Position ?? 0, school.AsOf, rules, required, done, SchoolCompliance.Percent(done, required)));
        }
        var allRequired = lines.Sum(l => l.Required);
        var allDone = lines.Sum(l => l.Acknowledged);
        var trustName = schools.Select(s => s.TrustName).FirstOrDefault(n => n is not null);
        return new Summary(asOf, trustId, trustName, on, lines.Count, allRequired, allDone, SchoolCompliance.Percent(allDone, allRequired),
            [.. roles.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new SchoolCompliance.RoleCoverage(r.Key, r.Value.Required, r.Value.Done,
                SchoolCompliance.Percent(r.Value.Done, r.Value.Required)))],
            lines);
    }

    static async Task<string[]> SchoolsAsync(NpgsqlDataSource dataSource, string trustId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT tenant FROM rm.schools WHERE trust_id = $1 ORDER BY tenant");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = trustId });
        var schools = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            schools.Add(reader.GetString(0));
        }
        return [.. schools];
    }

    static NpgsqlBatchCommand Command(string sql, string trustId, DateOnly on)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = trustId });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = on });
        return command;
    }
}
