using System.ComponentModel;
using System.Security.Claims;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Trusts;

/// <summary>
/// A multi-academy trust's picture: each school's rule counts and acknowledgement coverage by
/// role, and the trust's totals. Only trust leaders of one of its schools see it. Always live:
/// "as of" is answered per school (docs/as-of.md says why), so each line carries the school's
/// chain position.
/// </summary>
public static class TrustCompliance
{
    public sealed record SchoolLine(string Urn, string Name, long Position, IReadOnlyList<SchoolCompliance.StatusCounts> Rules, int Required, int Acknowledged, decimal Percent);

    public sealed record Summary(LedgerPoint AsOf, string TrustId, string? TrustName, DateOnly On, int Schools, int Required, int Acknowledged, decimal Percent,
        IReadOnlyList<SchoolCompliance.RoleCoverage> ByRole, IReadOnlyList<SchoolLine> SchoolLines);

    public static async Task<Results<Ok<Summary>, ProblemHttpResult>> Handle(
        string trustId, ClaimsPrincipal user, NpgsqlDataSource dataSource, TimeProvider time, CancellationToken ct,
        [Description("Not supported for a trust: ask each school's dashboard \"as of\" instead (400).")] string? asOf = null)
    {
        if (!await IsTrustLeaderAsync(dataSource, user, trustId, ct))
        {
            return TypedResults.Problem($"You lead no trust {Hosting.ProblemWords.Echo(trustId)}.", title: "No such trust", statusCode: StatusCodes.Status404NotFound);
        }
        if (asOf is not null)
        {
            // Answering it would replay every school of the trust; the issue asks it of a school.
            return TypedResults.Problem(
                "A trust's dashboard is live only: \"as of\" would replay the whole history of every school in the trust. "
                + "Ask each school's dashboard with asOf instead (each line gives the school's URN and chain position).",
                title: "asOf is not supported for a trust", statusCode: StatusCodes.Status400BadRequest);
        }
        var on = SchoolDay.Today(time);
        return TypedResults.Ok(await SummariseAsync(dataSource, trustId, on, ct));
    }

    public static async Task<Summary> SummariseAsync(NpgsqlDataSource dataSource, string trustId, DateOnly on, CancellationToken ct)
    {
        var statusOn = SchoolCompliance.StatusOn;
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("""
            SELECT s.tenant, s.name, s.trust_name, COALESCE(h.position, 0)
              FROM rm.schools s LEFT JOIN ledger.chain_heads h ON h.tenant = s.tenant
             WHERE s.trust_id = $1 ORDER BY s.tenant
            """, trustId, on));
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

        var schools = new List<(string Urn, string Name, long Position)>();
        string? trustName = null;
        while (await reader.ReadAsync(ct))
        {
            schools.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(3)));
            trustName ??= reader.IsDBNull(2) ? null : reader.GetString(2);
        }
        await reader.NextResultAsync(ct);
        var counts = new Dictionary<(string Urn, string Rule), Dictionary<string, int>>();
        var acknowledgements = new List<(string Urn, string? Scope, string[] Roles, bool Ok, int Count)>();
        var totals = new Dictionary<string, (int Required, int Done)>();
        while (await reader.ReadAsync(ct))
        {
            var (urn, rule, status, count) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3));
            var byStatus = counts.TryGetValue((urn, rule), out var found) ? found : counts[(urn, rule)] = [];
            byStatus[status] = byStatus.GetValueOrDefault(status) + count;
            if (rule == "acknowledgement")
            {
                var ok = status == "ok";
                acknowledgements.Add((urn, reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<string[]>(5), ok, count));
                var (required, done) = totals.GetValueOrDefault(urn);
                totals[urn] = (required + count, done + (ok ? count : 0));
            }
        }
        await reader.NextResultAsync(ct);
        var audiences = new Dictionary<(string Urn, string Policy), List<string[]>>();
        while (await reader.ReadAsync(ct))
        {
            var key = (reader.GetString(0), reader.GetString(1));
            (audiences.TryGetValue(key, out var list) ? list : audiences[key] = []).Add(reader.GetFieldValue<string[]>(2));
        }
        // A verdict counts once for each of its roles that the current version addresses
        // (each role listed, against each current version, as the per-school join does).
        var roles = new Dictionary<string, (int Required, int Done)>();
        foreach (var a in acknowledgements)
        {
            if (a.Scope is null || !audiences.TryGetValue((a.Urn, a.Scope), out var versions))
            {
                continue;
            }
            foreach (var audience in versions)
            {
                foreach (var role in a.Roles)
                {
                    if (audience.Contains(role))
                    {
                        var (required, done) = roles.GetValueOrDefault(role);
                        roles[role] = (required + a.Count, done + (a.Ok ? a.Count : 0));
                    }
                }
            }
        }

        var lines = schools.Select(s =>
        {
            var (required, done) = totals.GetValueOrDefault(s.Urn);
            var rules = counts.Where(c => c.Key.Urn == s.Urn).OrderBy(c => c.Key.Rule, StringComparer.Ordinal)
                .Select(c => new SchoolCompliance.StatusCounts(c.Key.Rule, c.Value.GetValueOrDefault("ok"), c.Value.GetValueOrDefault("due"),
                    c.Value.GetValueOrDefault("overdue"), c.Value.GetValueOrDefault("attention"), c.Value.GetValueOrDefault("on-leave")))
                .ToList();
            return new SchoolLine(s.Urn, s.Name, s.Position, rules, required, done, SchoolCompliance.Percent(done, required));
        }).ToList();
        var allRequired = lines.Sum(l => l.Required);
        var allDone = lines.Sum(l => l.Acknowledged);
        return new Summary(new LedgerPoint(null, on, null, Live: true, Requested: null), trustId, trustName, on, lines.Count, allRequired, allDone, SchoolCompliance.Percent(allDone, allRequired),
            [.. roles.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new SchoolCompliance.RoleCoverage(r.Key, r.Value.Required, r.Value.Done,
                SchoolCompliance.Percent(r.Value.Done, r.Value.Required)))],
            lines);
    }

    static async Task<bool> IsTrustLeaderAsync(NpgsqlDataSource dataSource, ClaimsPrincipal user, string trustId, CancellationToken ct)
    {
        if (user.FindFirstValue(SchoolMember.SchoolClaim) is not { } urn || !Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var personId))
        {
            return false;
        }
        await using var command = dataSource.CreateCommand("SELECT trust_id FROM rm.schools WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return await command.ExecuteScalarAsync(ct) is string trust && trust == trustId
            && await SchoolAccess.CurrentRolesAsync(dataSource, urn, personId, ct) is { } roles && roles.Contains(Role.TrustLeader);
    }

    static NpgsqlBatchCommand Command(string sql, string trustId, DateOnly on)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = trustId });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = on });
        return command;
    }
}
