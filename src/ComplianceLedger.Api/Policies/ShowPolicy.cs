using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Policies;

/// <summary>
/// One policy with its versions, oldest first: where a publication's <c>Location</c> points.
/// Every member of the school reads it (they acknowledge its current version).
/// </summary>
public static class ShowPolicy
{
    public sealed record PolicyVersionDetail(
        string VersionLabel, string Title, string DocumentSha256, DateOnly EffectiveFrom, int ReviewCycleYears, DateOnly NextReviewDue,
        string ResponsibleCommittee, DateOnly? RatifiedOn, IReadOnlyList<string> Audiences, int DaysToAcknowledge, int MaxExceptionDays,
        bool IsCurrent, DateOnly? RetiredOn);

    public sealed record PolicyDetail(string PolicyId, string? CurrentVersion, bool Retired, IReadOnlyList<PolicyVersionDetail> Versions);

    public static async Task<Ok<Entry<PolicyDetail>>> Handle(
        string urn, string policyId, ReadModelReader readModels, LedgerStore store, HttpResponse response, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        PublishPolicyVersion.CheckPolicyId(policyId);
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        var versions = new List<PolicyVersionDetail>();
        await using (var command = scope.Command("""
            SELECT version_label, title, document_sha256, effective_from, review_cycle_years, next_review_due, responsible_committee,
                   ratified_on, audiences, days_to_acknowledge, max_exception_days, is_current, retired_on
              FROM rm.policy_versions WHERE tenant = $1 AND policy_id = $2 ORDER BY positions[1]
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = policyId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                versions.Add(new PolicyVersionDetail(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateOnly>(3),
                    reader.GetInt32(4), reader.GetFieldValue<DateOnly>(5), reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetFieldValue<DateOnly>(7), reader.GetFieldValue<string[]>(8), reader.GetInt32(9),
                    reader.GetInt32(10), reader.GetBoolean(11), reader.IsDBNull(12) ? null : reader.GetFieldValue<DateOnly>(12)));
            }
        }
        if (versions.Count == 0)
        {
            throw CommandRefusedException.NotFound($"No policy {policyId} at this school.");
        }
        if (scope.AsOf.Live && await store.GetStreamVersionAsync(urn, Policy.StreamId(policyId), ct) is { } version)
        {
            // The policy stream's version, for If-Match on its next version, review or retirement.
            response.Headers.ETag = StreamVersionTag.Quote(version);
        }
        var current = versions.LastOrDefault(v => v.IsCurrent);
        return TypedResults.Ok(new Entry<PolicyDetail>(scope.AsOf,
            new PolicyDetail(policyId, current?.VersionLabel, versions.Any(v => v.RetiredOn is not null), versions)));
    }
}
