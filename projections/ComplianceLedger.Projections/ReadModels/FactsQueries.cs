using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>Loads facts from the read model, on a given transaction or a data source.</summary>
public static class FactsQueries
{
    // A person's dated roles and leaves come along as arrays in date order (RoleHistory, Leaves).
    const string PersonColumns = """
        p.person_id, p.roles, p.started_on, p.left_on, p.leave_from, p.returned_on, p.last_position,
        ARRAY(SELECT r.from_on FROM rm.person_roles r WHERE r.tenant = p.tenant AND r.person_id = p.person_id ORDER BY r.from_on) AS role_from,
        ARRAY(SELECT array_to_string(r.roles, ',') FROM rm.person_roles r WHERE r.tenant = p.tenant AND r.person_id = p.person_id ORDER BY r.from_on) AS role_sets,
        ARRAY(SELECT l.from_on FROM rm.person_leaves l WHERE l.tenant = p.tenant AND l.person_id = p.person_id ORDER BY l.from_on) AS leave_from_on,
        ARRAY(SELECT l.until_on FROM rm.person_leaves l WHERE l.tenant = p.tenant AND l.person_id = p.person_id ORDER BY l.from_on) AS leave_until_on
        """;

    const string VersionColumns = """
        policy_id, version_label, title, document_sha256, effective_from, review_cycle_years, next_review_due, ratified_on,
        ratified_by, audiences, days_to_acknowledge, max_exception_days, is_current, retired_on, positions
        """;

    public static Task<List<PersonFacts>> PeopleAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string tenant, Guid? personId, CancellationToken ct) =>
        Sql.ListAsync(c, tx, $"SELECT {PersonColumns} FROM rm.people p WHERE p.tenant = $1 AND ($2::uuid IS NULL OR p.person_id = $2)",
            ReadPerson, ct, tenant, new NpgsqlParameter { Value = (object?)personId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });

    public static Task<List<PolicyVersionFacts>> CurrentVersionsAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string tenant, string? policyId, CancellationToken ct) =>
        Sql.ListAsync(c, tx, $"SELECT {VersionColumns} FROM rm.policy_versions WHERE tenant = $1 AND is_current AND ($2::text IS NULL OR policy_id = $2)",
            ReadVersion, ct, tenant, Sql.NullableText(policyId));

    public static Task<List<PolicyVersionFacts>> VersionsAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string tenant, string policyId, CancellationToken ct) =>
        Sql.ListAsync(c, tx, $"SELECT {VersionColumns} FROM rm.policy_versions WHERE tenant = $1 AND policy_id = $2",
            ReadVersion, ct, tenant, policyId);

    /// <summary>Acknowledgements (and refusals) of the given policy's versions or person, keyed by person, policy and version.</summary>
    public static Task<List<AcknowledgementFacts>> AcknowledgementsAsync(
        NpgsqlConnection c, NpgsqlTransaction? tx, string tenant, string? policyId, Guid? personId, CancellationToken ct) =>
        Sql.ListAsync(c, tx, """
            SELECT person_id, policy_id, version_label, outcome = 'declined', at, position FROM rm.acknowledgements
             WHERE tenant = $1 AND ($2::text IS NULL OR policy_id = $2) AND ($3::uuid IS NULL OR person_id = $3)
            """,
            ReadAcknowledgement,
            ct, tenant, Sql.NullableText(policyId), new NpgsqlParameter { Value = (object?)personId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });

    /// <summary>
    /// What judging these people needs, across many schools in one round trip: the people, their
    /// schools' current policy versions, their acknowledgements (and refusals) of those versions,
    /// and their acknowledgement verdicts as stored.
    /// </summary>
    public static async Task<PeopleToJudge> PeopleToJudgeAsync(
        NpgsqlConnection c, NpgsqlTransaction? tx, IReadOnlyList<(string Tenant, Guid PersonId)> people, CancellationToken ct)
    {
        await ReplayBatch.FlushAsync(c, tx, ct);
        var tenants = people.Select(p => p.Tenant).ToArray();
        var ids = people.Select(p => p.PersonId).ToArray();
        await using var batch = new NpgsqlBatch(c, tx);
        // Arrays only: a lone string[] would otherwise spread into params object[].
        NpgsqlBatchCommand Query(string sql, params Array[] args)
        {
            var command = new NpgsqlBatchCommand(ProjectionTarget.Sql(tx, sql));
            command.Parameters.AddRange(args.Select(a => new NpgsqlParameter { Value = a }).ToArray());
            batch.BatchCommands.Add(command);
            return command;
        }
        // Each person an index lookup, whatever the plan's guess at the arrays' length: a generic
        // plan guesses 10 rows and joins by hashing whole tables. OFFSET 0 keeps each LATERAL
        // subquery from being flattened into such a join. Acknowledgements are looked up by
        // current version: a long-serving person has acknowledged dozens of past versions.
        Query($"""
            SELECT p.*, u.tenant FROM unnest($1::text[], $2::uuid[]) AS u(tenant, person_id)
             CROSS JOIN LATERAL (SELECT {PersonColumns} FROM rm.people p WHERE p.tenant = u.tenant AND p.person_id = u.person_id OFFSET 0) p
            """, tenants, ids);
        Query($"""
            SELECT v.*, t.tenant FROM unnest($1::text[]) AS t(tenant)
             CROSS JOIN LATERAL (SELECT {VersionColumns} FROM rm.policy_versions v WHERE v.tenant = t.tenant AND v.is_current OFFSET 0) v
            """, tenants.Distinct().ToArray());
        Query("""
            SELECT a.person_id, a.policy_id, a.version_label, a.outcome = 'declined', a.at, a.position, u.tenant
              FROM unnest($1::text[], $2::uuid[]) AS u(tenant, person_id)
             CROSS JOIN LATERAL (SELECT v.policy_id, v.version_label FROM rm.policy_versions v WHERE v.tenant = u.tenant AND v.is_current OFFSET 0) v
             CROSS JOIN LATERAL (SELECT * FROM rm.acknowledgements a
                                  WHERE (a.tenant, a.person_id, a.policy_id, a.version_label) = (u.tenant, u.person_id, v.policy_id, v.version_label) OFFSET 0) a
            """, tenants, ids);
        Query($"""
            SELECT c.subject_id, c.subject_kind, c.person_id, c.scope, c.status, c.due_on, c.roles, c.detail, c.proof, u.tenant, c.late
              FROM unnest($1::text[], $2::uuid[]) AS u(tenant, person_id)
             CROSS JOIN LATERAL (SELECT * FROM rm.compliance c
                                  WHERE c.tenant = u.tenant AND c.person_id = u.person_id AND c.rule = '{Rules.AcknowledgementCoverage.Rule}' OFFSET 0) c
            """, tenants, ids);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var found = new List<(string, PersonFacts)>();
        while (await reader.ReadAsync(ct))
        {
            found.Add((reader.GetString(11), ReadPerson(reader)));
        }
        await reader.NextResultAsync(ct);
        var versions = new List<(string, PolicyVersionFacts)>();
        while (await reader.ReadAsync(ct))
        {
            versions.Add((reader.GetString(15), ReadVersion(reader)));
        }
        await reader.NextResultAsync(ct);
        var acknowledgements = new List<(string, AcknowledgementFacts)>();
        while (await reader.ReadAsync(ct))
        {
            acknowledgements.Add((reader.GetString(6), ReadAcknowledgement(reader)));
        }
        await reader.NextResultAsync(ct);
        var verdicts = new Dictionary<(string Tenant, string SubjectId), VerdictRow>();
        while (await reader.ReadAsync(ct))
        {
            var r = reader;
            verdicts[(r.GetString(9), r.GetString(0))] = new VerdictRow(Rules.AcknowledgementCoverage.Rule, r.GetString(0), r.GetString(1),
                r.IsDBNull(2) ? null : r.GetGuid(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetFieldValue<string[]>(6),
                new Rules.Verdict(Rules.Verdict.ParseStatus(r.GetString(4)), NullableDate(r, 5), r.GetString(7), r.GetFieldValue<long[]>(8), r.GetBoolean(10)));
        }
        return new PeopleToJudge(
            found.ToLookup(p => p.Item1, p => p.Item2), versions.ToLookup(v => v.Item1, v => v.Item2),
            acknowledgements.ToLookup(a => a.Item1, a => a.Item2), verdicts);
    }

    /// <summary>Acknowledgements (and refusals) of the tenant's current policy versions only: what a whole-school judgement needs.</summary>
    public static Task<List<AcknowledgementFacts>> CurrentAcknowledgementsAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string tenant, CancellationToken ct) =>
        Sql.ListAsync(c, tx, """
            SELECT a.person_id, a.policy_id, a.version_label, a.outcome = 'declined', a.at, a.position
              FROM rm.acknowledgements a
              JOIN rm.policy_versions v ON v.tenant = a.tenant AND v.policy_id = a.policy_id AND v.version_label = a.version_label AND v.is_current
             WHERE a.tenant = $1
            """,
            ReadAcknowledgement,
            ct, tenant);

    static AcknowledgementFacts ReadAcknowledgement(NpgsqlDataReader r) =>
        new(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetBoolean(3), r.GetFieldValue<DateTimeOffset>(4), r.GetInt64(5));

    static PersonFacts ReadPerson(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetFieldValue<string[]>(1), r.GetFieldValue<DateOnly>(2), NullableDate(r, 3), NullableDate(r, 4), NullableDate(r, 5), r.GetInt64(6))
    {
        RoleHistory = [.. r.GetFieldValue<DateOnly[]>(7).Zip(r.GetFieldValue<string[]>(8), (from, roles) => new RoleSpell(from, roles.Split(',')))],
        Leaves = [.. r.GetFieldValue<DateOnly[]>(9).Zip(r.GetFieldValue<DateOnly?[]>(10), (from, until) => new LeaveSpell(from, until))],
    };

    static PolicyVersionFacts ReadVersion(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateOnly>(4), r.GetInt32(5),
        r.GetFieldValue<DateOnly>(6), NullableDate(r, 7), r.IsDBNull(8) ? null : r.GetString(8), r.GetFieldValue<string[]>(9),
        r.GetInt32(10), r.GetInt32(11), r.GetBoolean(12), NullableDate(r, 13), r.GetFieldValue<long[]>(14));

    static DateOnly? NullableDate(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateOnly>(i);
}

/// <summary>Facts for judging a batch of people, by school, and the acknowledgement verdicts they have now.</summary>
public sealed record PeopleToJudge(
    ILookup<string, PersonFacts> People, ILookup<string, PolicyVersionFacts> CurrentVersions, ILookup<string, AcknowledgementFacts> Acknowledgements,
    IReadOnlyDictionary<(string Tenant, string SubjectId), VerdictRow> Verdicts);
