using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Acknowledgements;

/// <summary>The office records a paper acknowledgement for someone: when they signed, and who recorded it.</summary>
public static class RecordPaperAcknowledgement
{
    public sealed record Request(string? PolicyId, string? VersionLabel, string? DocumentSha256, DateTimeOffset? SignedAt);

    public static IReadOnlyList<object> Decide(
        string policyId, string versionLabel, string documentSha256, Guid personId, DateTimeOffset signedAt, string recordedBy,
        DateTimeOffset now, Person person, Policy policy, AcknowledgementRecord record)
    {
        person.MustBeCurrent();
        if (signedAt > now)
        {
            throw CommandRefusedException.Invalid("signedAt cannot be in the future.");
        }
        AcknowledgementRecord.CurrentVersionNamed(policy, policyId, versionLabel, documentSha256);
        if (record.Acknowledged.Contains((policyId, versionLabel)))
        {
            throw CommandRefusedException.Conflict($"Version {versionLabel} of {policyId} is already acknowledged by this person.");
        }
        return [new PolicyAcknowledged(policyId, versionLabel, documentSha256, personId, AcknowledgementMethod.Paper, signedAt, recordedBy)];
    }

    public static async Task<Created<CommandResult>> Handle(
        Guid personId, Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        if (body.PolicyId is null || string.IsNullOrWhiteSpace(body.VersionLabel) || string.IsNullOrWhiteSpace(body.DocumentSha256) || body.SignedAt is null)
        {
            throw CommandRefusedException.Invalid("policyId, versionLabel, documentSha256 and signedAt are required.");
        }
        PublishPolicyVersion.CheckPolicyId(body.PolicyId);
        var (person, _) = await StreamHandler.LoadAsync(store, context.Tenant, Person.StreamId(personId), Person.Stream, ct);
        var (policy, _) = await StreamHandler.LoadAsync(store, context.Tenant, Policy.StreamId(body.PolicyId), Policy.Stream, ct);
        var result = await StreamHandler.HandleAsync(store, context, AcknowledgementRecord.StreamId(personId), AcknowledgementRecord.Stream,
            record => Decide(body.PolicyId, body.VersionLabel, body.DocumentSha256, personId, body.SignedAt.Value, context.Actor, context.Now,
                person, policy, record), ct);
        return Responses.Created(response, $"/api/schools/{context.Tenant}/people/{personId}/acknowledgements", result);
    }
}
