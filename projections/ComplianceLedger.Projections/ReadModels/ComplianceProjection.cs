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
        [new("compliance", $"rule IN ('{AcknowledgementCoverage.Rule}', '{PolicyReview.Rule}')")];

    // rm.compliance is shared: only this projection's rules go.
    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct) =>
        Sql.ExecuteAsync(connection, transaction, "DELETE FROM rm.compliance WHERE ($1::text IS NULL OR tenant = $1) AND rule = ANY($2)",
            ct, Sql.NullableText(tenant), new[] { AcknowledgementCoverage.Rule, PolicyReview.Rule });

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
        foreach (var tenantEvents in events.GroupBy(e => e.Tenant))
        {
            var tenant = tenantEvents.Key;
            var policies = new HashSet<string>();
            var people = new HashSet<Guid>();
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
    }

    public Task TenantReplayedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, CancellationToken ct) =>
        ReevaluateSchoolAsync(connection, transaction, tenant, ProjectionTarget.Today(transaction, time), ct);

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
            if (AcknowledgementCoverage.Evaluate(person, version, latest.GetValueOrDefault(person.PersonId), today) is { } verdict)
            {
                yield return new VerdictRow(AcknowledgementCoverage.Rule, AcknowledgementCoverage.SubjectId(person.PersonId, version.PolicyId),
                    "person", person.PersonId, version.PolicyId, person.Roles, verdict);
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
