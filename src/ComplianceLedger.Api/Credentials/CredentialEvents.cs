using ComplianceLedger.Api.Ledger;

namespace ComplianceLedger.Api.Credentials;

// Events of an account's custody stream (custody-{accountId}) and of credential-sharing
// incidents (credential-sharing-{incidentId}). A vault reference says WHERE the login is kept
// ("KeePass: Comms/Facebook"); the secret itself is never accepted or stored (see SecretGuard).
// The reference is sealed under a key of its own (see VaultReference); events recorded before
// that carry it plain, under the same event names and member names, and read as they are.

public enum RotationReason
{
    OwnerLeft,
    CustodianLeft,
    Scheduled,
    SuspectedCompromise,
    Other,
}

public enum CustodianRemovalReason
{
    LeftSchool,
    RoleChanged,
    Reassigned,
    Other,
}

/// <summary>Whose login was shared outside custody.</summary>
public enum SharedCredential
{
    OfficialAccountLogin,
    StaffLogin,
    SchoolSystemLogin,
    Other,
}

public enum SharingChannel
{
    Email,
    MessagingApp,
    SocialMedia,
    TextMessage,
    Paper,
    InPerson,
    Other,
}

/// <summary>The account's login was lodged with a leadership custodian, kept at the named vault entry (sealed, or plain in older events).</summary>
[EventType("credentials.lodged.v1")]
public sealed record CredentialsLodged(Guid AccountId, Guid CustodianId, string VaultReference, string LodgedBy, DateTimeOffset LodgedAt);

/// <summary>The login was changed; custodians' vault entries now hold the new one (at the new reference, if given).</summary>
[EventType("credentials.rotated.v1")]
public sealed record CredentialsRotated(
    Guid AccountId, RotationReason Reason, DateOnly RotatedOn, string? VaultReference, string RotatedBy, DateTimeOffset RecordedAt);

/// <summary>Break-glass: a custodian opened the vault entry. Their reason is sealed with their own key.</summary>
[EventType("credentials.accessed.v1")]
public sealed record CredentialsAccessed(Guid AccountId, Guid CustodianId, string SealedReason, DateTimeOffset AccessedAt);

[EventType("credentials.custodian-removed.v1")]
public sealed record CustodianRemoved(Guid AccountId, Guid CustodianId, CustodianRemovalReason Reason, string RemovedBy, DateTimeOffset RemovedAt);

/// <summary>
/// A work login was shared some other way: a breach, recorded as a reported incident. The notes
/// are sealed with the key of the person who shared it (the subject of the report), or of the
/// reporter when that is unknown.
/// </summary>
[EventType("credentials.sharing-reported.v1")]
public sealed record CredentialSharingReported(
    Guid IncidentId,
    Guid ReportedById,
    Guid? AccountId,
    Guid? SharedById,
    SharedCredential What,
    SharingChannel Channel,
    DateOnly OccurredOn,
    string? SealedNotes,
    string RecordedBy,
    DateTimeOffset RecordedAt);

/// <summary>Who holds an account's credentials now, and whether any ever did.</summary>
public sealed record Custody(IReadOnlySet<Guid> Custodians, bool EverLodged)
{
    public static string StreamId(Guid accountId) => $"custody-{accountId:D}";

    public static readonly StreamDefinition<Custody> Stream = new("custody", new Custody(new HashSet<Guid>(), false), Evolve);

    public static Custody Evolve(Custody state, object @event) => @event switch
    {
        CredentialsLodged e => new Custody(new HashSet<Guid>(state.Custodians) { e.CustodianId }, true),
        CustodianRemoved e => state with { Custodians = state.Custodians.Where(c => c != e.CustodianId).ToHashSet() },
        _ => state,
    };
}

public sealed record SharingReport(bool Reported)
{
    public static string StreamId(Guid incidentId) => $"credential-sharing-{incidentId:D}";

    public static readonly StreamDefinition<SharingReport> Stream = new("credential-sharing", new SharingReport(false), Evolve);

    public static SharingReport Evolve(SharingReport state, object @event) => @event is CredentialSharingReported ? new SharingReport(true) : state;
}
