using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.ToDo;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Policies;

/// <summary>
/// <c>GET /api/schools/{urn}/policies</c>: every policy's current version, for everyone at the school:
/// what it is, whether governors ratified it, when it is next reviewed, whether it is for the reader
/// and how they answered, and the acknowledgement to send (its version label and document hash).
/// The ledger holds the document's SHA-256, not its text: the school publishes the text, and the
/// hash proves which text was acknowledged.
/// </summary>
public static class ListPolicies
{
    public sealed record CurrentPolicy(
        string PolicyId, string Title, string VersionLabel, DateOnly EffectiveFrom, string DocumentSha256, bool Ratified, DateOnly? RatifiedOn,
        DateOnly NextReviewDue, string ResponsibleCommittee, IReadOnlyList<string> Audiences, int DaysToAcknowledge,
        [property: Description("Whether one of your roles must acknowledge this version.")] bool ForYou,
        [property: Description("How you answered this version: acknowledged, declined, or null if not yet.")] string? YourAnswer,
        [property: Description("The acknowledgement to send for this version.")] NextStep Acknowledge);

    public static async Task<Ok<Listing<CurrentPolicy>>> Handle(
        string urn, SchoolMember member, ReadModelReader readModels, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        return TypedResults.Ok(new Listing<CurrentPolicy>(scope.AsOf, await CurrentAsync(scope, urn, member.PersonId, ct)));
    }

    /// <summary>Every policy's current version in <paramref name="scope"/>, answered for <paramref name="personId"/> (an unknown id: for nobody).</summary>
    public static async Task<List<CurrentPolicy>> CurrentAsync(ReadScope scope, string urn, Guid personId, CancellationToken ct)
    {
        await using var command = scope.Command($"""
            SELECT v.policy_id, v.title, v.version_label, v.effective_from, v.document_sha256, v.ratified_on, v.next_review_due,
                   v.responsible_committee, v.audiences, v.days_to_acknowledge, a.outcome, COALESCE(v.audiences && {PeopleSql.RolesOn("$3")}, false)
              FROM rm.policy_versions v
              LEFT JOIN rm.acknowledgements a
                ON (a.tenant, a.person_id, a.policy_id, a.version_label) = (v.tenant, $2, v.policy_id, v.version_label)
              LEFT JOIN rm.people p ON p.tenant = v.tenant AND p.person_id = $2
             WHERE v.tenant = $1 AND v.is_current
             ORDER BY v.policy_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = scope.On });
        var policies = new List<CurrentPolicy>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (policyId, label, sha) = (reader.GetString(0), reader.GetString(2), reader.GetString(4));
            var ratifiedOn = reader.IsDBNull(5) ? (DateOnly?)null : reader.GetFieldValue<DateOnly>(5);
            policies.Add(new CurrentPolicy(policyId, reader.GetString(1), label, reader.GetFieldValue<DateOnly>(3), sha, ratifiedOn is not null, ratifiedOn,
                reader.GetFieldValue<DateOnly>(6), reader.GetString(7), reader.GetFieldValue<string[]>(8), reader.GetInt32(9), reader.GetBoolean(11),
                reader.IsDBNull(10) ? null : reader.GetString(10), Acknowledgement(urn, policyId, label, sha)));
        }
        return policies;
    }

    /// <summary>The acknowledgement of a version, as <c>POST …/policies/{policyId}/acknowledgements</c> takes it.</summary>
    public static NextStep Acknowledgement(string urn, string policyId, string versionLabel, string documentSha256) =>
        new("POST", $"/api/schools/{urn}/policies/{policyId}/acknowledgements",
            new Dictionary<string, string> { ["versionLabel"] = versionLabel, ["documentSha256"] = documentSha256 }, [], null);
}
