using ComplianceLedger.Api.Ledger;

namespace ComplianceLedger.Api.Schools;

// Events of a school's own stream ("school"). A school is a tenant, named by its URN; a
// trust is the multi-academy trust it belongs to, if any.

[EventType("school.registered.v1")]
public sealed record SchoolRegistered(
    string Urn, string Name, string? TrustId, string? TrustName, IReadOnlyList<string> EmailDomains, string? HandleTag,
    string RegisteredBy, DateTimeOffset RegisteredAt);

/// <summary>What official accounts must use: a school email domain, and a handle tag where the school requires one.</summary>
[EventType("school.account-rules-set.v1")]
public sealed record SchoolAccountRulesSet(IReadOnlyList<string> EmailDomains, string? HandleTag, string SetBy, DateTimeOffset SetAt);

public sealed record School(bool Registered, IReadOnlyList<string> EmailDomains, string? HandleTag)
{
    public const string StreamId = "school";

    public static readonly StreamDefinition<School> Stream = new("school", new School(false, [], null), Evolve);

    public static School Evolve(School state, object @event) => @event switch
    {
        SchoolRegistered e => new School(true, e.EmailDomains, e.HandleTag),
        SchoolAccountRulesSet e => state with { EmailDomains = e.EmailDomains, HandleTag = e.HandleTag },
        _ => state,
    };
}
