using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Policies;

namespace ComplianceLedger.Api.Acknowledgements;

/// <summary>A person's acknowledgements stream (acknowledgements-{personId}): which versions they acknowledged or declined.</summary>
public sealed record AcknowledgementRecord(IReadOnlySet<(string Policy, string Version)> Acknowledged, IReadOnlySet<(string Policy, string Version)> Declined)
{
    public static string StreamId(Guid personId) => $"acknowledgements-{personId:D}";

    public static readonly StreamDefinition<AcknowledgementRecord> Stream =
        new("acknowledgements", new AcknowledgementRecord(new HashSet<(string, string)>(), new HashSet<(string, string)>()), Evolve);

    public static AcknowledgementRecord Evolve(AcknowledgementRecord state, object @event) => @event switch
    {
        PolicyAcknowledged e => new AcknowledgementRecord(
            new HashSet<(string, string)>(state.Acknowledged) { (e.PolicyId, e.VersionLabel) },
            state.Declined.Where(d => d != (e.PolicyId, e.VersionLabel)).ToHashSet()),
        PolicyAcknowledgementDeclined e => state with { Declined = new HashSet<(string, string)>(state.Declined) { (e.PolicyId, e.VersionLabel) } },
        _ => state,
    };

    /// <summary>The checks every acknowledgement passes: the version is the current one, and the hash is its document's.</summary>
    public static PolicyVersion CurrentVersionNamed(Policy policy, string policyId, string versionLabel, string? documentSha256)
    {
        var current = policy.Current ?? throw CommandRefusedException.NotFound($"No current version of {policyId}.");
        if (current.Label != versionLabel)
        {
            throw CommandRefusedException.Conflict($"The current version of {policyId} is {current.Label}, not {versionLabel}.");
        }
        if (documentSha256 is not null && !string.Equals(current.DocumentSha256, documentSha256, StringComparison.Ordinal))
        {
            throw CommandRefusedException.Conflict($"The document hash does not match version {current.Label} of {policyId}: re-read the current text.");
        }
        return current;
    }
}
