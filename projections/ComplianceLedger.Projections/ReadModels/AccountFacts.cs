namespace ComplianceLedger.Projections.ReadModels;

/// <summary>An official account as its events state it. Positions are the chain positions that prove each fact.</summary>
public sealed record AccountFacts(
    Guid AccountId,
    string Platform,
    string Handle,
    Guid OwnerId,
    long OwnerPosition,
    string EmailDomain,
    DateOnly RegisteredOn,
    long RegisteredPosition,
    string? RiskReference = null,
    DateOnly? RiskAssessedOn = null,
    long? RiskPosition = null,
    DateOnly? ApprovedOn = null,
    long? ApprovalPosition = null,
    DateOnly? UrlNotifiedOn = null,
    long? UrlPosition = null,
    DateOnly? PupilAccessOn = null,
    long? PupilAccessPosition = null,
    DateOnly? FirstUsedOn = null,
    long? LivePosition = null,
    DateOnly? AupCheckedOn = null,
    bool? AupLinked = null,
    long? AupPosition = null,
    DateOnly? SuspendedOn = null,
    DateOnly? DecommissionedOn = null)
{
    public bool Approved => ApprovedOn is not null;
    public bool Live => FirstUsedOn is not null;
    public bool Decommissioned => DecommissionedOn is not null;
}

/// <summary>What the school requires of official accounts (school.account-rules-set.v1).</summary>
public sealed record SchoolAccountRules(IReadOnlyList<string> EmailDomains, string? HandleTag, long Position);

/// <summary>A current (not removed) custodian of an account's credentials.</summary>
public sealed record CustodianFacts(Guid PersonId, string VaultReference, long LodgedPosition);

/// <summary>Someone who knew the credentials left or changed role on <see cref="On"/>: a rotation on or after that day is needed.</summary>
public sealed record RotationTriggerFacts(Guid PersonId, string Kind, DateOnly On, long Position);

public sealed record RotationFacts(DateOnly RotatedOn, string Reason, long Position);
