using ComplianceLedger.Api.Ledger;

namespace ComplianceLedger.Api.Schools;

/// <summary>
/// Registers a school as a tenant. An operator's act, before the school has any people, so it
/// is run from the <c>ledger</c> CLI rather than by a signed-in member.
/// </summary>
public static class RegisterSchool
{
    public sealed record Command(
        string Urn, string Name, string? TrustId, string? TrustName, IReadOnlyList<string> EmailDomains, string? HandleTag,
        string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, School state)
    {
        if (state.Registered)
        {
            throw CommandRefusedException.Conflict($"School {c.Urn} is already registered.");
        }
        if (!Urn.IsValid(c.Urn) || string.IsNullOrWhiteSpace(c.Name))
        {
            throw CommandRefusedException.Invalid("A school needs a six-digit URN and a name.");
        }
        SetAccountRules.CheckRules(c.EmailDomains, c.HandleTag);
        return [new SchoolRegistered(c.Urn, c.Name.Trim(), c.TrustId, c.TrustName, c.EmailDomains, c.HandleTag, c.By, c.Now)];
    }
}
