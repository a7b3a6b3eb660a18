using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;

namespace ComplianceLedger.Fuzz;

/// <summary>The school the fuzz signs in to: one member in each role a page is drawn for, and staff who are only written about.</summary>
public static class FuzzSchool
{
    public static readonly Role[] SignedIn =
        [Role.Headteacher, Role.Office, Role.Dsl, Role.Slt, Role.Teacher, Role.Governor, Role.ChairOfGovernors, Role.SupportStaff];

    /// <summary>Registers the school (if new) and enrols its members; returns the members the fuzz signs in as.</summary>
    public static async Task<IReadOnlyList<FuzzMember>> SeedAsync(SchoolSetup setup, string urn, CancellationToken ct)
    {
        await setup.RegisterAsync(urn, $"Fuzz School {urn}", $"trust-fuzz-{urn}", "Fuzz Trust", ["fuzz.sch.uk"], "FZZ", "system:fuzz", ct);
        var members = new List<FuzzMember>();
        foreach (var role in SignedIn)
        {
            var id = await setup.EnrolAsync(urn, $"{role} of {urn}", [role], new DateOnly(2025, 9, 1), "system:fuzz", ct);
            members.Add(new FuzzMember(urn, id, role.ToString()));
        }
        // People no one signs in as, for the fuzz to change roles of, mark as leaving and so on.
        for (var i = 1; i <= 4; i++)
        {
            await setup.EnrolAsync(urn, $"Staff {i} of {urn}", [Role.Teacher], new DateOnly(2025, 9, 1), "system:fuzz", ct);
        }
        return members;
    }
}
