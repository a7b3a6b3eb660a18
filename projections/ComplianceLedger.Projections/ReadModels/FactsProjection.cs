using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>
/// Schools, people, policy versions and acknowledgements as the events state them. Inline:
/// sign-in, authorisation and the next command's decision read these straight after an append.
/// </summary>
public sealed class FactsProjection : IProjection
{
    public string Name => "facts";

    public ProjectionMode Mode => ProjectionMode.Inline;

    public bool Projects(string eventType) =>
        eventType.StartsWith("school.", StringComparison.Ordinal)
        || eventType.StartsWith("person.", StringComparison.Ordinal)
        || eventType.StartsWith("policy.", StringComparison.Ordinal);

    public IReadOnlyList<ProjectionTable> Tables { get; } =
        [new("schools"), new("people"), new("person_roles"), new("person_leaves"), new("policy_versions"), new("acknowledgements"),
            new("sign_in_emails")];

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct) =>
        Sql.ResetAsync(connection, transaction, tenant, ct, "rm.schools", "rm.people", "rm.person_roles", "rm.person_leaves", "rm.policy_versions",
            "rm.acknowledgements", "rm.sign_in_emails");

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        var (c, tx) = (connection, transaction);
        // A rebuild's first pass holds them until the tenant is done and copies them in once.
        var held = TenantReplay.Of(tx)?.Held<HeldAcknowledgements>();
        var acknowledgements = held ?? new Dictionary<(string Tenant, Guid Person, string Policy, string Version), Acknowledgement>();
        foreach (var e in events)
        {
            var d = e.ParsedData();
            var t = e.Tenant;
            var p = e.ChainPosition;
            switch (e.EventType)
            {
                case "school.registered.v1":
                    await Sql.ExecuteAsync(c, tx, """
                        INSERT INTO rm.schools (tenant, name, trust_id, trust_name, email_domains, handle_tag, last_position)
                        VALUES ($1, $2, $3, $4, $5, $6, $7)
                        ON CONFLICT (tenant) DO UPDATE SET name = $2, trust_id = $3, trust_name = $4, email_domains = $5,
                            handle_tag = $6, last_position = $7
                        """, ct, t, d.Text("name"), Sql.NullableText(d.OptionalText("trustId")), Sql.NullableText(d.OptionalText("trustName")),
                        d.Texts("emailDomains"), Sql.NullableText(d.OptionalText("handleTag")), p);
                    break;
                case "school.account-rules-set.v1":
                    await Sql.ExecuteAsync(c, tx, "UPDATE rm.schools SET email_domains = $2, handle_tag = $3, last_position = $4 WHERE tenant = $1",
                        ct, t, d.Texts("emailDomains"), Sql.NullableText(d.OptionalText("handleTag")), p);
                    break;
                case "person.enrolled.v1":
                    await Sql.ExecuteAsync(c, tx, """
                        INSERT INTO rm.people (tenant, person_id, sealed_name, roles, started_on, last_position)
                        VALUES ($1, $2, $3, $4, $5, $6)
                        ON CONFLICT (tenant, person_id) DO UPDATE SET sealed_name = $3, roles = $4, started_on = $5, last_position = $6
                        """, ct, t, d.Id("personId"), d.Text("sealedName"), d.Texts("roles"), d.Date("startedOn"), p);
                    await RolesFromAsync(c, tx, t, d.Id("personId"), d.Date("startedOn"), d.Texts("roles"), p, ct);
                    break;
                case "person.roles-changed.v1":
                    // rm.people keeps the latest recorded roles; the rules read them by date.
                    await Sql.ExecuteAsync(c, tx, "UPDATE rm.people SET roles = $3, last_position = $4 WHERE tenant = $1 AND person_id = $2",
                        ct, t, d.Id("personId"), d.Texts("roles"), p);
                    await RolesFromAsync(c, tx, t, d.Id("personId"), d.Date("effectiveOn"), d.Texts("roles"), p, ct);
                    break;
                case "person.leave-started.v1":
                    await Sql.ExecuteAsync(c, tx, "UPDATE rm.people SET leave_from = $3, last_position = $4 WHERE tenant = $1 AND person_id = $2",
                        ct, t, d.Id("personId"), d.Date("from"), p);
                    await Sql.ExecuteAsync(c, tx, """
                        INSERT INTO rm.person_leaves (tenant, person_id, from_on, until_on, position) VALUES ($1, $2, $3, NULL, $4)
                        ON CONFLICT (tenant, person_id, from_on) DO UPDATE SET until_on = NULL, position = $4
                        """, ct, t, d.Id("personId"), d.Date("from"), p);
                    break;
                case "person.returned-from-leave.v1":
                    await Sql.ExecuteAsync(c, tx, "UPDATE rm.people SET leave_from = NULL, returned_on = $3, last_position = $4 WHERE tenant = $1 AND person_id = $2",
                        ct, t, d.Id("personId"), d.Date("on"), p);
                    // The open leave ends on the return's date, which may be days after it is recorded.
                    await Sql.ExecuteAsync(c, tx, """
                        UPDATE rm.person_leaves SET until_on = $3, position = $4 WHERE tenant = $1 AND person_id = $2 AND until_on IS NULL
                        """, ct, t, d.Id("personId"), d.Date("on"), p);
                    break;
                case "person.sign-in-email-set.v1":
                    // The address is kept sealed; sign-in finds it by the blind index.
                    await Sql.ExecuteAsync(c, tx, "DELETE FROM rm.sign_in_emails WHERE tenant = $1 AND person_id = $2", ct, t, d.Id("personId"));
                    await Sql.ExecuteAsync(c, tx, """
                        INSERT INTO rm.sign_in_emails (email_index, tenant, person_id, sealed_email, position) VALUES ($1, $2, $3, $4, $5)
                        ON CONFLICT (email_index, tenant) DO UPDATE SET person_id = $3, sealed_email = $4, position = $5
                        """, ct, d.Text("emailIndex"), t, d.Id("personId"), d.Text("sealedEmail"), p);
                    break;
                case "person.left.v1":
                    await Sql.ExecuteAsync(c, tx, "UPDATE rm.people SET left_on = $3, last_position = $4 WHERE tenant = $1 AND person_id = $2",
                        ct, t, d.Id("personId"), d.Date("leftOn"), p);
                    break;
                case "policy.version-published.v1":
                    await Sql.ExecuteAsync(c, tx, "UPDATE rm.policy_versions SET is_current = false WHERE tenant = $1 AND policy_id = $2",
                        ct, t, d.Text("policyId"));
                    await Sql.ExecuteAsync(c, tx, """
                        INSERT INTO rm.policy_versions (tenant, policy_id, version_label, title, document_sha256, effective_from,
                            review_cycle_years, next_review_due, responsible_committee, ratified_on, ratified_by, audiences,
                            days_to_acknowledge, max_exception_days, is_current, positions)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, true, ARRAY[$15::bigint])
                        ON CONFLICT (tenant, policy_id, version_label) DO NOTHING
                        """, ct, t, d.Text("policyId"), d.Text("versionLabel"), d.Text("title"), d.Text("documentSha256"),
                        d.Date("effectiveFrom"), d.Number("reviewCycleYears"), d.Date("nextReviewDue"), d.Text("responsibleCommittee"),
                        Sql.NullableDate(d.OptionalDate("ratifiedOn")), Sql.NullableText(d.OptionalText("ratifiedByChair")),
                        d.Texts("audiences"), d.Number("daysToAcknowledge"), d.Number("maxExceptionDays"), p);
                    break;
                case "policy.version-ratified.v1":
                    await Sql.ExecuteAsync(c, tx, """
                        UPDATE rm.policy_versions SET ratified_on = $4, ratified_by = $5, positions = positions || $6::bigint
                         WHERE tenant = $1 AND policy_id = $2 AND version_label = $3
                        """, ct, t, d.Text("policyId"), d.Text("versionLabel"), d.Date("ratifiedOn"), d.Text("ratifiedByChair"), p);
                    break;
                case "policy.reviewed-without-change.v1":
                    await Sql.ExecuteAsync(c, tx, """
                        UPDATE rm.policy_versions SET next_review_due = $4, positions = positions || $5::bigint
                         WHERE tenant = $1 AND policy_id = $2 AND version_label = $3
                        """, ct, t, d.Text("policyId"), d.Text("versionLabel"), d.Date("nextReviewDue"), p);
                    break;
                case "policy.retired.v1":
                    await Sql.ExecuteAsync(c, tx, """
                        UPDATE rm.policy_versions SET is_current = false, retired_on = $3, positions = positions || $4::bigint
                         WHERE tenant = $1 AND policy_id = $2 AND is_current
                        """, ct, t, d.Text("policyId"), d.Date("retiredOn"), p);
                    break;
                case "policy.acknowledged.v1":
                case "policy.acknowledgement-declined.v1":
                    var declined = e.EventType == "policy.acknowledgement-declined.v1";
                    // Only these events touch rm.acknowledgements, and a later one for the same
                    // person and version replaces every column: keeping the last is the same as applying each.
                    acknowledgements[(t, d.Id("personId"), d.Text("policyId"), d.Text("versionLabel"))] = new(
                        declined ? "declined" : "acknowledged", d.Instant(declined ? "declinedAt" : "acknowledgedAt"), d.OptionalText("method"), p);
                    break;
            }
        }
        if (held is null && acknowledgements.Count > 0)
        {
            await Sql.ExecuteAsync(c, tx, """
                INSERT INTO rm.acknowledgements (tenant, person_id, policy_id, version_label, outcome, at, method, position)
                SELECT a.tenant, a.person_id, a.policy_id, a.version_label, a.outcome, a.at, a.method, a.position
                  FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::bigint[])
                       AS a(tenant, person_id, policy_id, version_label, outcome, at, method, position)
                ON CONFLICT (tenant, person_id, policy_id, version_label)
                DO UPDATE SET outcome = EXCLUDED.outcome, at = EXCLUDED.at, method = EXCLUDED.method, position = EXCLUDED.position
                """, ct, acknowledgements.Keys.Select(k => k.Tenant).ToArray(),
                acknowledgements.Keys.Select(k => k.Person).ToArray(), acknowledgements.Keys.Select(k => k.Policy).ToArray(),
                acknowledgements.Keys.Select(k => k.Version).ToArray(), acknowledgements.Values.Select(a => a.Outcome).ToArray(),
                acknowledgements.Values.Select(a => a.At.ToUniversalTime()).ToArray(),
                new NpgsqlParameter { Value = acknowledgements.Values.Select(a => a.Method).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text },
                acknowledgements.Values.Select(a => a.Position).ToArray());
        }
    }

    /// <summary>The person holds these roles from that day (a later change recorded for the same day replaces it).</summary>
    static Task RolesFromAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, Guid person, DateOnly from, string[] roles, long position, CancellationToken ct) =>
        Sql.ExecuteAsync(c, tx, """
            INSERT INTO rm.person_roles (tenant, person_id, from_on, roles, position) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (tenant, person_id, from_on) DO UPDATE SET roles = $4, position = $5
            """, ct, tenant, person, from, roles, position);

    /// <summary>The tenant's replay is done: its held acknowledgements are final, and its table holds none of them yet.</summary>
    public async Task TenantReplayedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, CancellationToken ct)
    {
        if (TenantReplay.Of(transaction)?.Held<HeldAcknowledgements>() is not { Count: > 0 } held)
        {
            return;
        }
        await ReplayBatch.FlushAsync(connection, transaction, ct);
        await using (var copy = await connection.BeginBinaryImportAsync(ProjectionTarget.Sql(transaction, """
            COPY rm.acknowledgements (tenant, person_id, policy_id, version_label, outcome, at, method, position) FROM STDIN (FORMAT BINARY)
            """), ct))
        {
            foreach (var ((t, person, policy, version), a) in held)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(t, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(person, NpgsqlTypes.NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(policy, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(version, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(a.Outcome, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(a.At.ToUniversalTime(), NpgsqlTypes.NpgsqlDbType.TimestampTz, ct);
                if (a.Method is null)
                {
                    await copy.WriteNullAsync(ct);
                }
                else
                {
                    await copy.WriteAsync(a.Method, NpgsqlTypes.NpgsqlDbType.Text, ct);
                }
                await copy.WriteAsync(a.Position, NpgsqlTypes.NpgsqlDbType.Bigint, ct);
            }
            await copy.CompleteAsync(ct);
        }
        held.Clear();
    }

    sealed record Acknowledgement(string Outcome, DateTimeOffset At, string? Method, long Position);

    sealed class HeldAcknowledgements : Dictionary<(string Tenant, Guid Person, string Policy, string Version), Acknowledgement>;
}
