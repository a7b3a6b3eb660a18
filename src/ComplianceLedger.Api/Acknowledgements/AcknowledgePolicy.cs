using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Acknowledgements;

/// <summary>The signed-in person acknowledges the current version of a policy, naming the document hash they read.</summary>
public static class AcknowledgePolicy
{
    public sealed record Request(string? VersionLabel, string? DocumentSha256);

    public static IReadOnlyList<object> Decide(
        string policyId, string versionLabel, string documentSha256, Guid personId, DateTimeOffset now, Policy policy, AcknowledgementRecord record)
    {
        AcknowledgementRecord.CurrentVersionNamed(policy, policyId, versionLabel, documentSha256);
        if (record.Acknowledged.Contains((policyId, versionLabel)))
        {
            throw CommandRefusedException.Conflict($"Version {versionLabel} of {policyId} is already acknowledged.");
        }
        return [new PolicyAcknowledged(policyId, versionLabel, documentSha256, personId, AcknowledgementMethod.InApp, now, null)];
    }

    public static async Task<Created<CommandResult>> Handle(
        string policyId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        PublishPolicyVersion.CheckPolicyId(policyId);
        if (string.IsNullOrWhiteSpace(body.VersionLabel) || string.IsNullOrWhiteSpace(body.DocumentSha256))
        {
            throw CommandRefusedException.Invalid("versionLabel and documentSha256 are required.");
        }
        var personId = context.Person;
        // The policy and the person's record in one round trip.
        var (policyStream, recordStream) = (Policy.StreamId(policyId), AcknowledgementRecord.StreamId(personId));
        var read = await store.ReadStreamsAsync(context.Tenant, [policyStream, recordStream], ct);
        var (policy, _) = StreamHandler.Fold(Policy.Stream, read[policyStream]);
        var result = await StreamHandler.HandleAsync(store, context, recordStream, AcknowledgementRecord.Stream, read[recordStream],
            record => Decide(policyId, body.VersionLabel, body.DocumentSha256, personId, context.Now, policy, record), ct);
        return Responses.Created(response, $"/api/schools/{context.Tenant}/people/{personId}/acknowledgements", result);
    }
}
