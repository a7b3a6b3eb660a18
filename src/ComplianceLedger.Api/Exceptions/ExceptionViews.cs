using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore.PersonalData;
using Npgsql;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// A declared relationship or exception request as people read it, from rm.exceptions, with the
/// sealed text opened (an erased person's shows as such) and the stream's version to send back
/// as If-Match.
/// </summary>
/// <param name="WaitingSince">
/// When it began to wait for what <c>Awaiting</c> names: its opening, its revocation or lapse (a
/// fresh decision), or the extension's request; null when it awaits nothing.
/// </param>
public sealed record ExceptionView(
    Guid ItemId,
    string Subject,
    string Status,
    string? Awaiting,
    string Decider,
    Guid PersonId,
    string PersonName,
    string Kind,
    string Description,
    string? OnEntryOf,
    DateOnly? EnteredOn,
    string? RiskAssessmentReference,
    DateTimeOffset OpenedAt,
    string? DslAdvice,
    string? DslConsultedBy,
    string? DslConsultedByName,
    DateTimeOffset? DslConsultedAt,
    string? DecidedBy,
    string? DecidedByName,
    string? DecidedAs,
    DateTimeOffset? DecidedAt,
    string? Conditions,
    DateOnly? Until,
    string? Reasons,
    DateOnly? ExtensionRequestedUntil,
    string? ExtensionReason,
    string? WithdrawalReason,
    long Version,
    IReadOnlyList<long> Positions,
    DateTimeOffset? WaitingSince = null);

public static class ExceptionViews
{
    /// <summary>What an item waits for: the DSL, a (fresh) decision, an extension decision, or nothing.</summary>
    public const string AwaitingSql = """
        CASE WHEN x.status = 'pending' AND x.subject = 'declaration' AND x.dsl_position IS NULL THEN 'dsl-advice'
             WHEN x.status = 'pending' THEN 'decision'
             WHEN x.subject = 'declaration' AND x.status IN ('revoked', 'expired') THEN 'fresh-decision'
             WHEN x.status = 'approved' AND x.extension_until IS NOT NULL THEN 'extension-decision'
        END
        """;

    /// <summary>Since when an item has waited for what <see cref="AwaitingSql"/> names (the same cases, in the same order).</summary>
    const string WaitingSinceSql = """
        CASE WHEN x.status = 'pending' THEN x.opened_at
             WHEN x.subject = 'declaration' AND x.status IN ('revoked', 'expired') THEN x.closed_at
             WHEN x.status = 'approved' AND x.extension_until IS NOT NULL THEN x.extension_requested_at
        END
        """;

    /// <summary>Items matching <paramref name="where"/> (over alias <c>x</c>, with <c>$1</c> the tenant), oldest first.</summary>
    public static async Task<List<ExceptionView>> QueryAsync(
        ReadScope scope, PersonalDataVault vault, string tenant, string where, IReadOnlySet<Guid> headteachers, CancellationToken ct,
        params object[] args)
    {
        await using var command = scope.Command($"""
            SELECT x.item_id, x.subject, x.status, {AwaitingSql}, x.person_id, p.sealed_name, x.kind, x.sealed_description, x.on_entry_of,
                   x.entered_on, x.risk_assessment_ref, x.opened_at, x.sealed_dsl_advice, x.dsl_consulted_by, dp.sealed_name,
                   x.dsl_consulted_at, x.decided_by, dd.sealed_name, x.decided_as, x.decided_at, x.sealed_conditions, x.until,
                   x.sealed_reasons, x.extension_until, x.sealed_extension_reason, x.sealed_withdrawal_reason, x.version, x.positions,
                   {WaitingSinceSql}
              FROM rm.exceptions x
              LEFT JOIN rm.people p ON p.tenant = x.tenant AND p.person_id = x.person_id
              LEFT JOIN rm.people dp ON dp.tenant = x.tenant AND 'person:' || dp.person_id::text = x.dsl_consulted_by
              LEFT JOIN rm.people dd ON dd.tenant = x.tenant AND 'person:' || dd.person_id::text = x.decided_by
             WHERE x.tenant = $1 AND ({where})
             ORDER BY x.opened_at, x.item_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }
        var rows = new List<(ExceptionView View, string?[] Sealed)>();
        await using (var r = await command.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
                DateOnly? Date(int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateOnly>(i);
                DateTimeOffset? Instant(int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
                var holder = r.GetGuid(4);
                var view = new ExceptionView(r.GetGuid(0), r.GetString(1), r.GetString(2), Text(3),
                    Roles.Name(headteachers.Contains(holder) ? Role.ChairOfGovernors : Role.Headteacher), holder, "", r.GetString(6), "",
                    Text(8), Date(9), Text(10), r.GetFieldValue<DateTimeOffset>(11), null, Text(13), null, Instant(15), Text(16), null, Text(18),
                    Instant(19), null, Date(21), null, Date(23), null, null, r.GetInt64(26), r.GetFieldValue<long[]>(27), Instant(28));
                // Sealed values in view order: name, description, advice, adviser, conditions, decider, reasons, extension reason, withdrawal reason.
                rows.Add((view, [Text(5), Text(7), Text(12), Text(14), Text(20), Text(17), Text(22), Text(24), Text(25)]));
            }
        }
        var opened = await vault.OpenAsync(tenant, rows.SelectMany(r => r.Sealed).OfType<string>(), ct);
        var erased = await Retention.ErasedWords.ForAsync(vault, tenant, opened.Where(o => o.Value is null).Select(o => o.Key), ct);
        string? Open(string? value) => value is null ? null : opened[value] ?? erased[value];
        return [.. rows.Select(r => r.View with
        {
            PersonName = Open(r.Sealed[0]) ?? ListPeople.Erased,
            Description = Open(r.Sealed[1])!,
            DslAdvice = Open(r.Sealed[2]),
            DslConsultedByName = Open(r.Sealed[3]),
            Conditions = Open(r.Sealed[4]),
            DecidedByName = Open(r.Sealed[5]),
            Reasons = Open(r.Sealed[6]),
            ExtensionReason = Open(r.Sealed[7]),
            WithdrawalReason = Open(r.Sealed[8]),
        })];
    }
}
