using System.Security.Claims;
using ComplianceLedger.Api.People;

namespace ComplianceLedger.Api.Schools;

/// <summary>
/// The signed-in person, as the ledger knows them at the school in the route. A leader of the
/// school's trust who is not one of its people is <paramref name="Visiting"/>: no roles there, and
/// only reads (<see cref="ReadsForTrust"/>).
/// </summary>
public sealed record SchoolMember(string Urn, Guid PersonId, IReadOnlySet<Role> Roles, bool Visiting = false)
{
    public const string SchoolClaim = "school";

    public string Actor => $"person:{PersonId:D}";

    public bool Holds(params Role[] roles) => roles.Any(Roles.Contains);

    /// <summary>A trust leader reads every school of the trust (dashboards, registers, audit trail), deciding nothing there.</summary>
    public bool ReadsForTrust => Visiting || Roles.Contains(Role.TrustLeader);

    public static ValueTask<SchoolMember?> BindAsync(HttpContext http) => ValueTask.FromResult(http.Features.Get<SchoolMember>());

    public static ClaimsPrincipal Principal(string urn, Guid personId, string scheme) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, personId.ToString("D")), new Claim(SchoolClaim, urn)], scheme));
}
