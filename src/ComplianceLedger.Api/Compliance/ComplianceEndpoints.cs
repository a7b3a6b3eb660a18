using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;

namespace ComplianceLedger.Api.Compliance;

public static class ComplianceEndpoints
{
    public static RouteGroupBuilder MapCompliance(this RouteGroupBuilder school)
    {
        school.MapGet("/compliance", SchoolCompliance.Handle).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders().WithAsOf();
        school.MapGet("/compliance/items", SchoolCompliance.Items).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders().WithAsOf();
        return school;
    }
}
