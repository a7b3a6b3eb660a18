using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;

namespace ComplianceLedger.Api.OfficialAccounts;

public static class OfficialAccountEndpoints
{
    /// <summary>SLT and the head run the accounts; the office may register them and record routine checks.</summary>
    public static readonly Role[] Managers = [Role.Headteacher, Role.Slt];

    public static readonly Role[] Recorders = [Role.Headteacher, Role.Slt, Role.Office];

    public static RouteGroupBuilder MapOfficialAccounts(this RouteGroupBuilder school)
    {
        school.MapGet("/official-accounts", AccountRegister.List).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders().WithAsOf();
        school.MapGet("/official-accounts/{accountId:guid}", AccountRegister.One).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders().WithAsOf();
        school.MapPost("/official-accounts", RegisterAccount.Handle).RequireRoles(Recorders);
        school.MapPost("/official-accounts/{accountId:guid}/risk-assessments", RecordRiskAssessment.Handle).RequireRoles(Managers);
        // Segregation (owner never approves; the chair approves the head's own) is in the decision.
        school.MapPost("/official-accounts/{accountId:guid}/approval", ApproveAccount.Handle).RequireRoles(Role.Headteacher, Role.ChairOfGovernors);
        school.MapPost("/official-accounts/{accountId:guid}/url-notification", NotifyUrl.Handle).RequireRoles(Recorders);
        school.MapPost("/official-accounts/{accountId:guid}/pupil-access", GrantPupilAccess.Handle).RequireRoles(Managers);
        school.MapPut("/official-accounts/{accountId:guid}/owner", ChangeOwner.Handle).RequireRoles(Managers);
        school.MapPost("/official-accounts/{accountId:guid}/suspension", SuspendAccount.Handle).RequireRoles(Managers);
        school.MapPost("/official-accounts/{accountId:guid}/reinstatement", ReinstateAccount.Handle).RequireRoles(Managers);
        school.MapPost("/official-accounts/{accountId:guid}/decommissioning", DecommissionAccount.Handle).RequireRoles(Managers);
        school.MapPost("/official-accounts/{accountId:guid}/aup-link-checks", RecordAupLinkCheck.Handle).RequireRoles(Recorders);
        school.MapPost("/official-accounts/{accountId:guid}/first-use", RecordFirstUse.Handle).RequireRoles(Managers);
        return school;
    }
}
