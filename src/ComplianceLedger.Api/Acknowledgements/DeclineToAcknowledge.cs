using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Acknowledgements;

/// <summary>A person declines to acknowledge the current version, with a reason. The head sees it as needing attention.</summary>
public static class DeclineToAcknowledge
{
    public sealed record Request(string? VersionLabel, string? Reason);

    public static IReadOnlyList<object> Decide(
        string policyId, string versionLabel, string sealedReason, Guid personId, DateTimeOffset now, Policy policy, AcknowledgementRecord record)
    {
        AcknowledgementRecord.CurrentVersionNamed(policy, policyId, versionLabel, null);
        if (record.Acknowledged.Contains((policyId, versionLabel)))
        {
            throw CommandRefusedException.Conflict($"Version {versionLabel} of {policyId} is already acknowledged.");
        }
        if (record.Declined.Contains((policyId, versionLabel)))
        {
            throw CommandRefusedException.Conflict($"Version {versionLabel} of {policyId} is already declined.");
        }
        return [new PolicyAcknowledgementDeclined(policyId, versionLabel, personId, sealedReason, now)];
    }

    public static async Task<Created<CommandResult>> Handle(
        string policyId, Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        PublishPolicyVersion.CheckPolicyId(policyId);
        if (string.IsNullOrWhiteSpace(body.VersionLabel) || string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > 2000)
        {
            throw CommandRefusedException.Invalid("versionLabel and a reason (up to 2000 characters) are required.");
        }
        var personId = context.Person;
        var (policy, _) = await StreamHandler.LoadAsync(store, context.Tenant, Policy.StreamId(policyId), Policy.Stream, ct);
        var sealedReason = await vault.SealAsync(context.Tenant, personId, body.Reason.Trim(), ct);
        var result = await StreamHandler.HandleAsync(store, context, AcknowledgementRecord.StreamId(personId), AcknowledgementRecord.Stream,
            record => Decide(policyId, body.VersionLabel, sealedReason, personId, context.Now, policy, record), ct);
        return Responses.Created(response, $"/api/schools/{context.Tenant}/people/{personId}/acknowledgements", result);
    }
}
