using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;

namespace ComplianceLedger.Api.OfficialAccounts;

// Events of an official account's stream (account-{accountId}). People appear as person ids or
// references (person:{id}); the registration email is sealed with the owner's key, because a
// non-compliant account may well be registered with someone's personal address.

/// <summary>Where an official channel lives. Written kebab-case in the ledger (<c>class-dojo</c>).</summary>
public enum Platform
{
    Facebook,
    X,
    Instagram,
    Youtube,
    ClassDojo,
    Tiktok,
    Linkedin,
    Other,
}

/// <summary>What the registrar was told was wrong when they recorded the account anyway.</summary>
public enum RegistrationConcern
{
    PersonalEmail,
    HandleWithoutTag,
}

public enum SuspensionReason
{
    SuspectedCompromise,
    Misuse,
    NoActiveOwner,
    UnderReview,
    Other,
}

/// <summary>
/// An official channel was registered. <see cref="RegistrationEmailDomain"/> stays readable so
/// the school-email rule can be judged; <see cref="Concerns"/> records what the school's rules
/// said at the time, so the ledger shows the account was recorded knowingly.
/// </summary>
[EventType("account.registered.v1")]
public sealed record AccountRegistered(
    Guid AccountId,
    Platform Platform,
    string Handle,
    string Url,
    string Purpose,
    string IntendedOutcomes,
    Guid OwnerId,
    string SealedRegistrationEmail,
    string RegistrationEmailDomain,
    IReadOnlyList<RegistrationConcern> Concerns,
    string RegisteredBy,
    DateTimeOffset RegisteredAt);

[EventType("account.risk-assessed.v1")]
public sealed record AccountRiskAssessed(Guid AccountId, string Reference, DateOnly AssessedOn, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>Approved for use, by the headteacher (or by the chair of governors when the head owns the account).</summary>
[EventType("account.approved.v1")]
public sealed record AccountApproved(Guid AccountId, Role ApprovedAs, string? Conditions, string ApprovedBy, DateTimeOffset ApprovedAt);

/// <summary>The URL and identity went to SLT or the head of department, as pupils may not have access before.</summary>
[EventType("account.url-notified.v1")]
public sealed record AccountUrlNotified(Guid AccountId, string Url, IReadOnlyList<Guid> NotifiedTo, DateOnly NotifiedOn, string RecordedBy, DateTimeOffset RecordedAt);

[EventType("account.pupil-access-granted.v1")]
public sealed record AccountPupilAccessGranted(Guid AccountId, DateOnly GrantedOn, string GrantedBy, DateTimeOffset GrantedAt);

[EventType("account.owner-changed.v1")]
public sealed record AccountOwnerChanged(Guid AccountId, Guid PreviousOwnerId, Guid OwnerId, DateOnly EffectiveOn, string ChangedBy, DateTimeOffset ChangedAt);

/// <summary>Suspended; the note (free text, may name people) is sealed with the author's key.</summary>
[EventType("account.suspended.v1")]
public sealed record AccountSuspended(
    Guid AccountId, SuspensionReason Reason, string? SealedNote, DateOnly SuspendedOn, string SuspendedBy, DateTimeOffset SuspendedAt);

[EventType("account.reinstated.v1")]
public sealed record AccountReinstated(Guid AccountId, DateOnly ReinstatedOn, string ReinstatedBy, DateTimeOffset ReinstatedAt);

[EventType("account.decommissioned.v1")]
public sealed record AccountDecommissioned(Guid AccountId, DateOnly DecommissionedOn, string DecommissionedBy, DateTimeOffset DecommissionedAt);

/// <summary>Someone looked at the account's About page: does it link to the school's acceptable use policy?</summary>
[EventType("account.aup-link-checked.v1")]
public sealed record AccountAupLinkChecked(Guid AccountId, DateOnly CheckedOn, bool LinksToAup, string? AupUrl, string CheckedBy, DateTimeOffset CheckedAt);

/// <summary>The account was first used on behalf of the school.</summary>
[EventType("account.went-live.v1")]
public sealed record AccountWentLive(Guid AccountId, DateOnly FirstUsedOn, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>An official account's state for decisions about it.</summary>
public sealed record Account(
    bool Registered, Guid OwnerId, string Url, bool RiskAssessed, DateOnly? ApprovedOn, DateOnly? UrlNotifiedOn, bool PupilAccess,
    DateOnly? FirstUsedOn, bool Suspended, bool Decommissioned)
{
    public static string StreamId(Guid accountId) => $"account-{accountId:D}";

    public static readonly StreamDefinition<Account> Stream =
        new("account", new Account(false, Guid.Empty, "", false, null, null, false, null, false, false), Evolve);

    public bool Approved => ApprovedOn is not null;

    public static Account Evolve(Account state, object @event) => @event switch
    {
        AccountRegistered e => state with { Registered = true, OwnerId = e.OwnerId, Url = e.Url },
        AccountRiskAssessed => state with { RiskAssessed = true },
        AccountApproved e => state with { ApprovedOn = SchoolDay.Of(e.ApprovedAt) },
        AccountUrlNotified e => state with { UrlNotifiedOn = e.NotifiedOn },
        AccountPupilAccessGranted => state with { PupilAccess = true },
        AccountOwnerChanged e => state with { OwnerId = e.OwnerId },
        AccountSuspended => state with { Suspended = true },
        AccountReinstated => state with { Suspended = false },
        AccountDecommissioned => state with { Decommissioned = true },
        AccountWentLive e => state with { FirstUsedOn = e.FirstUsedOn },
        _ => state,
    };

    /// <summary>Refuses a change to an account that does not exist or has been decommissioned.</summary>
    public void MustBeOpen()
    {
        if (!Registered)
        {
            throw CommandRefusedException.NotFound("No such official account at this school.");
        }
        if (Decommissioned)
        {
            throw CommandRefusedException.Conflict("The account has been decommissioned.");
        }
    }
}
