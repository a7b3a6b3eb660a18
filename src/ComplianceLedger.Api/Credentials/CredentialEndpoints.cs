using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;

namespace ComplianceLedger.Api.Credentials;

public static class CredentialEndpoints
{
    public static readonly Role[] Custody = [Role.Headteacher, Role.Slt, Role.Dsl];

    public static RouteGroupBuilder MapCredentials(this RouteGroupBuilder school)
    {
        school.MapPost("/official-accounts/{accountId:guid}/custodians", LodgeCredentials.Handle).RequireRoles(Custody);
        school.MapPost("/official-accounts/{accountId:guid}/custodians/{personId:guid}/removal", RemoveCustodian.Handle).RequireRoles(Custody);
        school.MapPost("/official-accounts/{accountId:guid}/rotations", RotateCredentials.Handle).RequireRoles(Custody);
        // Custodians are leadership; the decision checks the caller is a custodian of this account.
        school.MapPost("/official-accounts/{accountId:guid}/break-glass-accesses", RecordBreakGlassAccess.Handle).RequireRoles(Custody);
        school.MapPost("/credential-sharing-reports", ReportCredentialSharing.Handle).RequireRoles(Custody);
        return school;
    }
}
