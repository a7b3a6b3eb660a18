namespace ComplianceLedger.Api.People;

/// <summary>What a person is at a school. Written in the ledger in kebab case (<c>chair-of-governors</c>).</summary>
public enum Role
{
    Headteacher,
    Dsl,
    Slt,
    Office,
    ChairOfGovernors,
    Governor,
    Teacher,
    SupportStaff,
    Volunteer,
    Supply,
    Trainee,
    Contractor,
    /// <summary>A multi-academy trust's leader: sees the trust's dashboards across its schools.</summary>
    TrustLeader,

    /// <summary>The clerk to the governing board: keeps its calendar, so is told when a policy's review comes near.</summary>
    Clerk,
}

public static class Roles
{
    /// <summary>Leadership: may be a credential custodian and is told about official accounts.</summary>
    public static readonly IReadOnlySet<Role> Leadership = new HashSet<Role> { Role.Headteacher, Role.Dsl, Role.Slt };

    /// <summary>Who may read the school's compliance picture.</summary>
    public static readonly Role[] DashboardReaders =
        [Role.Headteacher, Role.Dsl, Role.Slt, Role.Office, Role.ChairOfGovernors, Role.Governor, Role.Clerk];

    public static string Name(Role role) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(role.ToString());
}
