using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Projections.Rules;
using Npgsql;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>
/// Re-evaluates the rules touched by each append and stores their verdicts in rm.compliance.
/// Async: judging every person against every current policy is the heaviest work an append
/// causes, and nothing decides on these verdicts, so the daemon does it just after the commit.
/// It reads the facts tables, which are inline and so never behind the events it is given.
/// </summary>
public sealed class ComplianceProjection(TimeProvider time) : IProjection
{
    public string Name => "compliance";

    public ProjectionMode Mode => ProjectionMode.Async;

    public bool Projects(string eventType) =>
        eventType.StartsWith("person.", StringComparison.Ordinal) || eventType.StartsWith("policy.", StringComparison.Ordinal);

    public IReadOnlyList<ProjectionTable> Tables { get; } =
        [new("compliance", $"rule IN ('{AcknowledgementCoverage.Rule}', '{PolicyReview.Rule}')"), new("compliance_days")];

    // rm.compliance is shared: only this projection's rules go.
    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct)
    {
        await Sql.ExecuteAsync(connection, transaction, "DELETE FROM rm.compliance WHERE ($1::text IS NULL OR tenant = $1) AND rule = ANY($2)",
            ct, Sql.NullableText(tenant), new[] { AcknowledgementCoverage.Rule, PolicyReview.Rule });
        await Sql.ExecuteAsync(connection, transaction, "DELETE FROM rm.compliance_days WHERE $1::text IS NULL OR tenant = $1", ct, Sql.NullableText(tenant));
    }

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        // A rebuild judges each school once, when its events are all in (TenantReplayedAsync):
        // the verdicts depend only on the facts tables' final state, not on the path there.
        if (ReplayBatch.IsReplaying(transaction))
        {
            return;
        }
        var (c, tx) = (connection, transaction);
        var today = ProjectionTarget.Today(transaction, time);
        var toJudge = new List<(string Tenant, Guid PersonId)>();
        var tenants = events.Select(e => e.Tenant).Distinct().ToArray();
        // The day may have moved on since these schools were last judged: dated facts that took
        // effect in between are judged with this batch, so no verdict lags its date.
        var dated = (await DatedChangesAsync(c, tx, tenants, today, ct)).ToLookup(x => x.Tenant, x => x.PersonId);
        foreach (var tenantEvents in events.GroupBy(e => e.Tenant))
        {
            var tenant = tenantEvents.Key;
            var policies = new HashSet<string>();
            var people = new HashSet<Guid>(dated[tenant]);
            foreach (var e in tenantEvents)
            {
                var d = e.ParsedData();
                if (e.EventType.StartsWith("person.", StringComparison.Ordinal))
                {
                    people.Add(d.Id("personId"));
                }
                else if (e.EventType is "policy.acknowledged.v1" or "policy.acknowledgement-declined.v1")
                {
                    people.Add(d.Id("personId"));
                }
                else
                {
                    policies.Add(d.Text("policyId"));
                }
            }
            // A large batch (an import, a rebuild) is cheaper to judge school-wide in one pass
            // than person by person.
            if (people.Count > WholeSchoolThreshold)
            {
                await ReevaluateSchoolAsync(c, tx, tenant, today, ct);
                continue;
            }
            foreach (var policy in policies)
            {
                await ReevaluatePolicyAsync(c, tx, tenant, policy, today, ct);
            }
            toJudge.AddRange(people.Select(p => (tenant, p)));
        }
        if (toJudge.Count > 0)
        {
            await ReevaluatePeopleAsync(c, tx, toJudge, today, ct);
        }
        await JudgedOnAsync(c, tx, tenants, today, ct);
    }

    public async Task TenantReplayedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, CancellationToken ct)
    {
        var today = ProjectionTarget.Today(transaction, time);
        await ReevaluateSchoolAsync(connection, transaction, tenant, today, ct);
        // Live, a school gets its day once this projection has seen one of its events: a person's or a policy's.
        await Sql.ExecuteAsync(connection, transaction, """
            INSERT INTO rm.compliance_days (tenant, judged_on)
            SELECT $1, $2 WHERE EXISTS (SELECT FROM rm.people WHERE tenant = $1) OR EXISTS (SELECT FROM rm.policy_versions WHERE tenant = $1)
            ON CONFLICT (tenant) DO UPDATE SET judged_on = EXCLUDED.judged_on
            """, ct, tenant, today);
    }

    /// <summary>
    /// Judges again, for <paramref name="today"/>, the people of these schools whose dated facts (a
    /// start, a leave or a return, a role change, a leaving) took effect since the school's verdicts
    /// were last judged: a dated change alters the verdicts on its date with no new event. Live
    /// readers call it before they read (it does nothing when the schools are judged for today); it
    /// takes the daemon's checkpoint lock, so it never judges a school at the same time as the daemon.
    /// </summary>
    public static async Task CatchUpDayAsync(NpgsqlDataSource dataSource, IReadOnlyCollection<string> tenants, DateOnly today, CancellationToken ct)
    {
        await using (var check = dataSource.CreateCommand("SELECT EXISTS (SELECT FROM rm.compliance_days WHERE tenant = ANY($1) AND judged_on <> $2)"))
        {
            check.Parameters.Add(new NpgsqlParameter { Value = tenants.ToArray() });
            check.Parameters.Add(new NpgsqlParameter { Value = today });
            if (!(bool)(await check.ExecuteScalarAsync(ct))!)
            {
                return;
            }
        }
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await Sql.ExecuteAsync(c, tx, """
            SELECT FROM ledger.projection_progress WHERE projection = 'compliance' AND tenant = ANY($1) ORDER BY tenant FOR UPDATE
            """, ct, new NpgsqlParameter { Value = tenants.Order(StringComparer.Ordinal).ToArray() });
        var behind = await Sql.ListAsync(c, tx, "SELECT tenant FROM rm.compliance_days WHERE tenant = ANY($1) AND judged_on <> $2 ORDER BY tenant FOR UPDATE",
            r => r.GetString(0), ct, tenants.ToArray(), today);
        if (behind.Count > 0)
        {
            var dated = await DatedChangesAsync(c, tx, [.. behind], today, ct);
            var toJudge = new List<(string Tenant, Guid PersonId)>();
            foreach (var school in dated.GroupBy(d => d.Tenant))
            {
                if (school.Count() > WholeSchoolThreshold)
                {
                    await ReevaluateSchoolAsync(c, tx, school.Key, today, ct);
                }
                else
                {
                    toJudge.AddRange(school);
                }
            }
            if (toJudge.Count > 0)
            {
                await ReevaluatePeopleAsync(c, tx, toJudge, today, ct);
            }
            await JudgedOnAsync(c, tx, [.. behind], today, ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// People of these schools with a dated fact between the day each school was last judged for
    /// and <paramref name="today"/> (either way: a test's clock may go back). Schools never judged
    /// have none: their first judgement is of today.
    /// </summary>
    static Task<List<(string Tenant, Guid PersonId)>> DatedChangesAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, string[] tenants, DateOnly today, CancellationToken ct) =>
        Sql.ListAsync(c, tx, """
            SELECT d.tenant, x.person_id
              FROM rm.compliance_days d
             CROSS JOIN LATERAL (SELECT least(d.judged_on, $2) AS after, greatest(d.judged_on, $2) AS upto) w
             CROSS JOIN LATERAL (
                   SELECT p.person_id FROM rm.people p
                    WHERE p.tenant = d.tenant AND ((p.started_on > w.after AND p.started_on <= w.upto) OR (p.left_on > w.after AND p.left_on <= w.upto))
                   UNION
                   SELECT r.person_id FROM rm.person_roles r WHERE r.tenant = d.tenant AND r.from_on > w.after AND r.from_on <= w.upto
                   UNION
                   SELECT l.person_id FROM rm.person_leaves l
                    WHERE l.tenant = d.tenant AND ((l.from_on > w.after AND l.from_on <= w.upto) OR (l.until_on > w.after AND l.until_on <= w.upto))) x
             WHERE d.tenant = ANY($1) AND d.judged_on <> $2
            """, r => (r.GetString(0), r.GetGuid(1)), ct, tenants, today);

    static Task JudgedOnAsync(NpgsqlConnection c, NpgsqlTransaction tx, string[] tenants, DateOnly today, CancellationToken ct) =>
        Sql.ExecuteAsync(c, tx, """
            INSERT INTO rm.compliance_days AS d (tenant, judged_on) SELECT t, $2 FROM unnest($1::text[]) AS t ORDER BY t
            ON CONFLICT (tenant) DO UPDATE SET judged_on = EXCLUDED.judged_on WHERE d.judged_on <> EXCLUDED.judged_on
            """, ct, tenants, today);

    // Judging people costs their own verdicts; judging the school rewrites all of its verdicts.
    // A busy school's acknowledgements reach the daemon a few dozen people per batch: at 25 a
    // school of 800 had every one of its 8,000 verdicts rewritten per batch, and the slower
    // batch then gathered more people for the next. Only batches of hundreds (an import, a
    // catch-up) are cheaper school-wide.
    const int WholeSchoolThreshold = 250;

    static async Task ReevaluateSchoolAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, DateOnly today, CancellationToken ct)
    {
        var people = await FactsQueries.PeopleAsync(c, tx, tenant, null, ct);
        var versions = await FactsQueries.CurrentVersionsAsync(c, tx, tenant, null, ct);
        var acknowledgements = await FactsQueries.CurrentAcknowledgementsAsync(c, tx, tenant, ct);
        var rows = new List<VerdictRow>();
        foreach (var version in versions)
        {
            rows.AddRange(AcknowledgementRows(version, people, acknowledgements, today));
            if (PolicyReview.Evaluate(version, today) is { } review)
            {
                rows.Add(new VerdictRow(PolicyReview.Rule, version.PolicyId, "policy", null, version.PolicyId, [], review));
            }
        }
        await ReplaceAsync(c, tx, tenant,
            $"DELETE FROM rm.compliance WHERE tenant = $1 AND rule IN ('{AcknowledgementCoverage.Rule}', '{PolicyReview.Rule}') AND $2::text IS NOT NULL",
            tenant, rows, ct);
    }

    static async Task ReevaluatePolicyAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, string policyId, DateOnly today, CancellationToken ct)
    {
        var versions = await FactsQueries.VersionsAsync(c, tx, tenant, policyId, ct);
        var people = await FactsQueries.PeopleAsync(c, tx, tenant, null, ct);
        var acknowledgements = await FactsQueries.AcknowledgementsAsync(c, tx, tenant, policyId, null, ct);
        var rows = new List<VerdictRow>();
        foreach (var version in versions.Where(v => v.IsCurrent))
        {
            rows.AddRange(AcknowledgementRows(version, people, acknowledgements, today));
            if (PolicyReview.Evaluate(version, today) is { } review)
            {
                rows.Add(new VerdictRow(PolicyReview.Rule, policyId, "policy", null, policyId, [], review));
            }
        }
        await ReplaceAsync(c, tx, tenant,
            $"DELETE FROM rm.compliance WHERE tenant = $1 AND scope = $2 AND rule IN ('{AcknowledgementCoverage.Rule}', '{PolicyReview.Rule}')",
            policyId, rows, ct);
    }

    // The daemon's usual work: a few people in each of many schools, judged together in two round
    // trips (one to read, one to write) whatever the number of schools. The read brings each
    // person's verdicts as stored, so only the ones that changed are written and only the ones no
    // longer due are deleted: an acknowledgement changes one of the person's verdicts, not all.
    static async Task ReevaluatePeopleAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, List<(string Tenant, Guid PersonId)> toJudge, DateOnly today, CancellationToken ct)
    {
        var facts = await FactsQueries.PeopleToJudgeAsync(c, tx, toJudge, ct);
        var changed = new List<(string Tenant, VerdictRow Row)>();
        var judged = new HashSet<(string Tenant, string SubjectId)>();
        foreach (var tenant in toJudge.Select(p => p.Tenant).Distinct())
        {
            var people = facts.People[tenant].ToList();
            var acknowledgements = facts.Acknowledgements[tenant].ToList();
            foreach (var version in facts.CurrentVersions[tenant])
            {
                foreach (var row in AcknowledgementRows(version, people, acknowledgements, today))
                {
                    judged.Add((tenant, row.SubjectId));
                    if (!facts.Verdicts.TryGetValue((tenant, row.SubjectId), out var stored) || !SameRow(stored, row))
                    {
                        changed.Add((tenant, row));
                    }
                }
            }
        }
        var stale = facts.Verdicts.Keys.Where(k => !judged.Contains(k)).ToArray();
        List<NpgsqlBatchCommand> batch = [];
        if (stale.Length > 0)
        {
            var delete = new NpgsqlBatchCommand(ProjectionTarget.Sql(tx, $"""
                DELETE FROM rm.compliance c USING unnest($1::text[], $2::text[]) AS k(tenant, subject_id)
                 WHERE c.tenant = k.tenant AND c.rule = '{AcknowledgementCoverage.Rule}' AND c.subject_id = k.subject_id
                """));
            delete.Parameters.Add(new NpgsqlParameter { Value = stale.Select(k => k.Tenant).ToArray() });
            delete.Parameters.Add(new NpgsqlParameter { Value = stale.Select(k => k.SubjectId).ToArray() });
            batch.Add(delete);
        }
        if (VerdictRows.Insert(tx, changed) is { } upsert)
        {
            batch.Add(upsert);
        }
        await ReplayBatch.ExecuteAsync(c, tx, batch, ct);
    }

    static bool SameRow(VerdictRow stored, VerdictRow row) =>
        stored.SubjectKind == row.SubjectKind && stored.PersonId == row.PersonId && stored.Scope == row.Scope
        && stored.Roles.SequenceEqual(row.Roles) && stored.Verdict.SameAs(row.Verdict);

    static IEnumerable<VerdictRow> AcknowledgementRows(
        PolicyVersionFacts version, IEnumerable<PersonFacts> people, IEnumerable<AcknowledgementFacts> acknowledgements, DateOnly today)
    {
        var latest = acknowledgements
            .Where(a => a.PolicyId == version.PolicyId && a.VersionLabel == version.VersionLabel)
            .ToDictionary(a => a.PersonId);
        foreach (var person in people)
        {
            if (AcknowledgementCoverage.Evaluate(person, version, latest.GetValueOrDefault(person.PersonId), today) is { } judged)
            {
                // Kept as due with its date: readers turn it overdue after the date (StatusOn), so
                // the row depends on the day judged only through dated facts, which the day's
                // catch-up judges again, and a rebuild on any later day gives the same rows.
                var verdict = judged is { Status: ComplianceStatus.Overdue, DueOn: not null } ? judged with { Status = ComplianceStatus.Due } : judged;
                yield return new VerdictRow(AcknowledgementCoverage.Rule, AcknowledgementCoverage.SubjectId(person.PersonId, version.PolicyId),
                    "person", person.PersonId, version.PolicyId, person.RolesOn(today), verdict);
            }
        }
    }

    static async Task ReplaceAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, string deleteSql, object key, List<VerdictRow> rows, CancellationToken ct)
    {
        var delete = new NpgsqlBatchCommand(ProjectionTarget.Sql(tx, deleteSql));
        delete.Parameters.Add(new NpgsqlParameter { Value = tenant });
        delete.Parameters.Add(new NpgsqlParameter { Value = key });
        List<NpgsqlBatchCommand> batch = [delete];
        if (VerdictRows.Insert(tx, tenant, rows) is { } insert)
        {
            batch.Add(insert);
        }
        await ReplayBatch.ExecuteAsync(c, tx, batch, ct);
    }
}
