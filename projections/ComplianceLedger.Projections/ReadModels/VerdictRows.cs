using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Projections.Rules;
using Npgsql;
using NpgsqlTypes;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>One rule's verdict about one subject, as rm.compliance holds it.</summary>
public sealed record VerdictRow(
    string Rule, string SubjectId, string SubjectKind, Guid? PersonId, string? Scope, IReadOnlyList<string> Roles, Verdict Verdict);

/// <summary>Writes verdict rows; every projection that judges a rule replaces its rows through this.</summary>
public static class VerdictRows
{
    /// <summary>One statement inserting (or replacing) all the rows; null when there are none.</summary>
    public static NpgsqlBatchCommand? Insert(NpgsqlTransaction transaction, string tenant, IReadOnlyList<VerdictRow> rows) =>
        Insert(transaction, [.. rows.Select(r => (tenant, r))]);

    /// <summary>
    /// The same for rows of several schools. A verdict that has not changed is left alone: no new
    /// row version, no index entries, nothing for the count triggers.
    /// </summary>
    public static NpgsqlBatchCommand? Insert(NpgsqlTransaction transaction, IReadOnlyList<(string Tenant, VerdictRow Row)> verdicts)
    {
        if (verdicts.Count == 0)
        {
            return null;
        }
        var rows = verdicts.Select(v => v.Row).ToArray();
        var insert = new NpgsqlBatchCommand(ProjectionTarget.Sql(transaction, """
            INSERT INTO rm.compliance AS c (tenant, rule, subject_id, subject_kind, person_id, scope, status, due_on, roles, detail, proof, late)
            SELECT r.tenant, r.rule, r.subject_id, r.kind, r.person_id, r.scope, r.status, r.due_on, string_to_array(r.roles, ','), r.detail,
                   string_to_array(r.proof, ',')::bigint[], r.late
              FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::date[], $9::text[], $10::text[], $11::text[],
                          $12::boolean[])
                   AS r(tenant, rule, subject_id, kind, person_id, scope, status, due_on, roles, detail, proof, late)
            ON CONFLICT (tenant, rule, subject_id) DO UPDATE SET status = EXCLUDED.status, due_on = EXCLUDED.due_on,
                roles = EXCLUDED.roles, detail = EXCLUDED.detail, proof = EXCLUDED.proof, person_id = EXCLUDED.person_id,
                scope = EXCLUDED.scope, subject_kind = EXCLUDED.subject_kind, late = EXCLUDED.late
             WHERE (c.status, c.due_on, c.roles, c.detail, c.proof, c.person_id, c.scope, c.subject_kind, c.late)
                   IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.due_on, EXCLUDED.roles, EXCLUDED.detail, EXCLUDED.proof,
                    EXCLUDED.person_id, EXCLUDED.scope, EXCLUDED.subject_kind, EXCLUDED.late)
            """));
        var p = insert.Parameters;
        p.Add(new NpgsqlParameter { Value = verdicts.Select(v => v.Tenant).ToArray() });
        p.Add(new NpgsqlParameter { Value = rows.Select(r => r.Rule).ToArray() });
        p.Add(new NpgsqlParameter { Value = rows.Select(r => r.SubjectId).ToArray() });
        p.Add(new NpgsqlParameter { Value = rows.Select(r => r.SubjectKind).ToArray() });
        p.Add(new NpgsqlParameter { Value = rows.Select(r => r.PersonId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        p.Add(new NpgsqlParameter { Value = rows.Select(r => r.Scope).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter { Value = rows.Select(r => Verdict.StatusName(r.Verdict.Status)).ToArray() });
        p.Add(new NpgsqlParameter { Value = rows.Select(r => r.Verdict.DueOn).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date });
        p.Add(new NpgsqlParameter { Value = rows.Select(r => string.Join(',', r.Roles)).ToArray() });
        p.Add(new NpgsqlParameter { Value = rows.Select(r => r.Verdict.Detail).ToArray() });
        p.Add(new NpgsqlParameter { Value = rows.Select(r => string.Join(',', r.Verdict.Proof)).ToArray() });
        p.Add(new NpgsqlParameter { Value = rows.Select(r => r.Verdict.Late).ToArray() });
        return insert;
    }
}
