using System.Text.Json;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Projections.Rules;
using Npgsql;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>
/// Declared relationships and exception requests (rm.exceptions), and the verdicts of the
/// declaration and segregation-of-duties rules on each (rm.compliance, scope = the item id).
/// Inline, after <see cref="FactsProjection"/>, so the approvals queue and the next decision see
/// an append at once, and the holder's roles and leaving date are already current.
/// </summary>
public sealed class ExceptionsProjection(TimeProvider time) : IProjection
{
    public string Name => "exceptions";

    public ProjectionMode Mode => ProjectionMode.Inline;

    public static readonly string[] Rules =
        [ExceptionDecision.Rule, DslConsultation.Rule, ExceptionReview.Rule, LapsedRelationship.Rule, SegregationOfDuties.Rule];

    // Verdicts depend on the holder: roles label the row, and a leaver's open items stop being owed.
    public bool Projects(string eventType) =>
        eventType.StartsWith("declaration.", StringComparison.Ordinal) || eventType.StartsWith("exception.", StringComparison.Ordinal)
        || eventType is "person.left.v1" or "person.roles-changed.v1";

    public IReadOnlyList<ProjectionTable> Tables { get; } =
        [new("exceptions"), new("compliance", $"rule IN ({string.Join(", ", Rules.Select(r => $"'{r}'"))})")];

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct)
    {
        await Sql.ResetAsync(connection, transaction, tenant, ct, "rm.exceptions");
        await Sql.ExecuteAsync(connection, transaction, "DELETE FROM rm.compliance WHERE ($1::text IS NULL OR tenant = $1) AND rule = ANY($2)",
            ct, Sql.NullableText(tenant), Rules);
    }

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        var today = ProjectionTarget.Today(transaction, time);
        foreach (var tenantEvents in events.GroupBy(e => e.Tenant))
        {
            var tenant = tenantEvents.Key;
            var items = new HashSet<Guid>();
            var people = new HashSet<Guid>();
            foreach (var e in tenantEvents)
            {
                var d = e.ParsedData();
                if (e.EventType.StartsWith("person.", StringComparison.Ordinal))
                {
                    people.Add(d.Id("personId"));
                }
                else if (await ApplyFactAsync(connection, transaction, e, d, ct) is { } item)
                {
                    items.Add(item);
                }
            }
            if (people.Count > 0)
            {
                items.UnionWith(await ItemsHeldByAsync(connection, transaction, tenant, people, ct));
            }
            foreach (var item in items)
            {
                await ReevaluateAsync(connection, transaction, tenant, item, today, ct);
            }
        }
    }

    // The latest decision, who made it and in which capacity; the holder deciding is remembered for the segregation rule.
    const string Decided = """
        decided_by = $5, decided_as = $6, decided_at = $7, decision_position = $4,
        first_decision_position = COALESCE(first_decision_position, $4),
        self_decided_position = CASE WHEN self_decided_position IS NULL AND $5 = 'person:' || person_id::text THEN $4 ELSE self_decided_position END
        """;

    const string NoExtension = "extension_until = NULL, sealed_extension_reason = NULL, extension_requested_at = NULL";

    /// <summary>Applies one event to rm.exceptions; returns the item it concerns (null for an unknown type).</summary>
    static async Task<Guid?> ApplyFactAsync(NpgsqlConnection c, NpgsqlTransaction tx, StoredEvent e, JsonElement d, CancellationToken ct)
    {
        var (t, p) = (e.Tenant, e.ChainPosition);
        switch (e.EventType)
        {
            case "declaration.made.v1":
                await Sql.ExecuteAsync(c, tx, """
                    INSERT INTO rm.exceptions (tenant, item_id, subject, person_id, kind, sealed_description, on_entry_of, entered_on,
                        status, opened_at, opened_position, version, positions)
                    VALUES ($1, $2, 'declaration', $3, $4, $5, $6, $7, 'pending', $8, $9, $10, ARRAY[$9::bigint])
                    ON CONFLICT (tenant, item_id) DO NOTHING
                    """, ct, t, d.Id("declarationId"), d.Id("personId"), d.Text("kind"), d.Text("sealedDescription"), d.Text("onEntryOf"),
                    d.Date("enteredOn"), Utc(d, "declaredAt"), p, e.StreamVersion);
                return d.Id("declarationId");
            case "exception.requested.v1":
                await Sql.ExecuteAsync(c, tx, """
                    INSERT INTO rm.exceptions (tenant, item_id, subject, person_id, kind, sealed_description, risk_assessment_ref,
                        status, opened_at, opened_position, version, positions)
                    VALUES ($1, $2, 'exception', $3, $4, $5, $6, 'pending', $7, $8, $9, ARRAY[$8::bigint])
                    ON CONFLICT (tenant, item_id) DO NOTHING
                    """, ct, t, d.Id("exceptionId"), d.Id("personId"), d.Text("kind"), d.Text("sealedDescription"),
                    Sql.NullableText(d.OptionalText("riskAssessmentReference")), Utc(d, "requestedAt"), p, e.StreamVersion);
                return d.Id("exceptionId");
            case "exception.dsl-consulted.v1":
                await UpdateAsync(c, tx, e, d, """
                    sealed_dsl_advice = $5, dsl_consulted_by = $6, dsl_consulted_at = $7, dsl_position = COALESCE(dsl_position, $4)
                    """, ct, d.Text("sealedAdvice"), d.Text("consultedBy"), Utc(d, "consultedAt"));
                break;
            case "exception.approved.v1":
                await UpdateAsync(c, tx, e, d, $"""
                    {Decided}, status = 'approved', sealed_conditions = $8, until = $9, sealed_reasons = NULL,
                    risk_assessment_ref = COALESCE($10, risk_assessment_ref), closed_at = NULL
                    """, ct, d.Text("decidedBy"), d.Text("decidedAs"), Utc(d, "decidedAt"), d.Text("sealedConditions"), d.Date("until"),
                    Sql.NullableText(d.OptionalText("riskAssessmentReference")));
                break;
            case "exception.declined.v1":
                await UpdateAsync(c, tx, e, d, $"{Decided}, status = 'declined', sealed_reasons = $8, closed_at = $7",
                    ct, d.Text("decidedBy"), d.Text("decidedAs"), Utc(d, "decidedAt"), d.Text("sealedReasons"));
                break;
            case "exception.reviewed.v1":
                await UpdateAsync(c, tx, e, d, $"{Decided}, until = $8, sealed_conditions = COALESCE($9, sealed_conditions)",
                    ct, d.Text("reviewedBy"), d.Text("reviewedAs"), Utc(d, "reviewedAt"), d.Date("nextReviewOn"),
                    Sql.NullableText(d.OptionalText("sealedConditions")));
                break;
            case "exception.revoked.v1":
                await UpdateAsync(c, tx, e, d, $"{Decided}, status = 'revoked', sealed_reasons = $8, closed_at = $7, lapsed_position = $4, {NoExtension}",
                    ct, d.Text("revokedBy"), d.Text("revokedAs"), Utc(d, "revokedAt"), d.Text("sealedReason"));
                break;
            case "exception.expired.v1":
                await UpdateAsync(c, tx, e, d, $"status = 'expired', closed_at = $5, lapsed_position = $4, {NoExtension}",
                    ct, Utc(d, "recordedAt"));
                break;
            case "exception.withdrawn.v1":
                await UpdateAsync(c, tx, e, d, $"status = 'withdrawn', sealed_withdrawal_reason = $5, closed_at = $6, withdrawn_position = $4, {NoExtension}",
                    ct, d.Text("sealedReason"), Utc(d, "withdrawnAt"));
                break;
            case "exception.extension-requested.v1":
                await UpdateAsync(c, tx, e, d, "extension_until = $5, sealed_extension_reason = $6, extension_requested_at = $7",
                    ct, d.Date("until"), d.Text("sealedReason"), Utc(d, "requestedAt"));
                break;
            case "exception.extension-approved.v1":
                await UpdateAsync(c, tx, e, d, $"{Decided}, until = $8, sealed_conditions = COALESCE($9, sealed_conditions), {NoExtension}",
                    ct, d.Text("decidedBy"), d.Text("decidedAs"), Utc(d, "decidedAt"), d.Date("until"),
                    Sql.NullableText(d.OptionalText("sealedConditions")));
                break;
            case "exception.extension-declined.v1":
                await UpdateAsync(c, tx, e, d, $"{Decided}, sealed_reasons = $8, {NoExtension}",
                    ct, d.Text("decidedBy"), d.Text("decidedAs"), Utc(d, "decidedAt"), d.Text("sealedReasons"));
                break;
            default:
                return null;
        }
        return d.Id("itemId");
    }

    /// <summary>Updates an item: <c>$1</c> tenant, <c>$2</c> item, <c>$3</c> stream version, <c>$4</c> chain position, then the given values from <c>$5</c>.</summary>
    static Task UpdateAsync(NpgsqlConnection c, NpgsqlTransaction tx, StoredEvent e, JsonElement d, string set, CancellationToken ct, params object?[] values) =>
        Sql.ExecuteAsync(c, tx, $"""
            UPDATE rm.exceptions SET {set}, version = $3, positions = positions || $4::bigint
             WHERE tenant = $1 AND item_id = $2
            """, ct, [e.Tenant, d.Id("itemId"), e.StreamVersion, e.ChainPosition, .. values]);

    static DateTimeOffset Utc(JsonElement d, string name) => d.Instant(name).ToUniversalTime();

    static async Task<List<Guid>> ItemsHeldByAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, HashSet<Guid> people, CancellationToken ct)
    {
        await using var command = await Sql.CommandAsync(c, tx, "SELECT item_id FROM rm.exceptions WHERE tenant = $1 AND person_id = ANY($2)", ct, tenant, people.ToArray());
        var items = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            items.Add(reader.GetGuid(0));
        }
        return items;
    }

    /// <summary>The rules' verdicts on one item: every rule's row for it is replaced.</summary>
    public static IEnumerable<(string Rule, Verdict Verdict)> Evaluate(ExceptionFacts item, DateOnly today)
    {
        (string Rule, Verdict? Verdict)[] all =
        [
            (ExceptionDecision.Rule, ExceptionDecision.Evaluate(item, today)),
            (DslConsultation.Rule, DslConsultation.Evaluate(item)),
            (ExceptionReview.Rule, ExceptionReview.Evaluate(item, today)),
            (LapsedRelationship.Rule, LapsedRelationship.Evaluate(item, today)),
            (SegregationOfDuties.Rule, SegregationOfDuties.Evaluate(item)),
        ];
        return all.Where(v => v.Verdict is not null).Select(v => (v.Rule, v.Verdict!));
    }

    static async Task ReevaluateAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, Guid itemId, DateOnly today, CancellationToken ct)
    {
        var item = await LoadAsync(c, tx, tenant, itemId, ct);
        var delete = new NpgsqlBatchCommand(ProjectionTarget.Sql(tx, "DELETE FROM rm.compliance WHERE tenant = $1 AND scope = $2 AND rule = ANY($3)"));
        delete.Parameters.Add(new NpgsqlParameter { Value = tenant });
        delete.Parameters.Add(new NpgsqlParameter { Value = itemId.ToString("D") });
        delete.Parameters.Add(new NpgsqlParameter { Value = Rules });
        List<NpgsqlBatchCommand> batch = [delete];
        var rows = item is null ? [] : Evaluate(item, today)
            .Select(v => new VerdictRow(v.Rule, itemId.ToString("D"), item.Subject, item.PersonId, itemId.ToString("D"), item.HolderRoles, v.Verdict))
            .ToList();
        if (VerdictRows.Insert(tx, tenant, rows) is { } insert)
        {
            batch.Add(insert);
        }
        await ReplayBatch.ExecuteAsync(c, tx, batch, ct);
    }

    static async Task<ExceptionFacts?> LoadAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, Guid itemId, CancellationToken ct)
    {
        await using var command = await Sql.CommandAsync(c, tx, """
            SELECT x.item_id, x.subject, x.person_id, x.kind, x.status, x.opened_at, x.opened_position, x.dsl_position,
                   x.first_decision_position, x.decision_position, x.until, x.extension_until, x.lapsed_position, x.withdrawn_position,
                   x.self_decided_position, COALESCE(p.roles, '{}'), p.left_on
              FROM rm.exceptions x LEFT JOIN rm.people p ON p.tenant = x.tenant AND p.person_id = x.person_id
             WHERE x.tenant = $1 AND x.item_id = $2
            """, ct, tenant, itemId);
        await using var r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return null;
        }
        return new ExceptionFacts(r.GetGuid(0), r.GetString(1), r.GetGuid(2), r.GetString(3), r.GetString(4),
            SchoolDay.Of(r.GetFieldValue<DateTimeOffset>(5)), r.GetInt64(6), Long(r, 7), Long(r, 8), Long(r, 9),
            Date(r, 10), Date(r, 11), Long(r, 12), Long(r, 13), Long(r, 14), r.GetFieldValue<string[]>(15), Date(r, 16));
    }

    static long? Long(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    static DateOnly? Date(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateOnly>(i);
}
