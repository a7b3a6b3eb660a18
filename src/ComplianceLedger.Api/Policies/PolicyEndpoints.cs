using ComplianceLedger.Api.Acknowledgements;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;

namespace ComplianceLedger.Api.Policies;

public static class PolicyEndpoints
{
    public static RouteGroupBuilder MapPolicies(this RouteGroupBuilder school)
    {
        // Everyone at the school reads the current versions, to know what to acknowledge.
        school.MapGet("/policies", ListPolicies.Handle).ReadableByTrustLeaders().WithAsOf();
        school.MapGet("/policies/{policyId}", ShowPolicy.Handle).ReadableByTrustLeaders().WithAsOf();
        school.MapPost("/policies/{policyId}/versions", PublishPolicyVersion.Handle).RequireRoles(Role.Headteacher, Role.Slt);
        school.MapPost("/policies/{policyId}/versions/{versionLabel}/ratification", RatifyPolicyVersion.Handle)
            .RequireRoles(Role.ChairOfGovernors, Role.Headteacher, Role.Office);
        school.MapPost("/policies/{policyId}/reviews", ReviewPolicy.Handle).RequireRoles(Role.Headteacher, Role.Slt);
        school.MapPost("/policies/{policyId}/retirement", RetirePolicy.Handle).RequireRoles(Role.Headteacher, Role.Slt);
        // Anyone at the school acknowledges or declines for themselves.
        school.MapPost("/policies/{policyId}/acknowledgements", AcknowledgePolicy.Handle);
        school.MapPost("/policies/{policyId}/refusals", DeclineToAcknowledge.Handle);
        school.MapGet("/people/{personId:guid}/acknowledgements", ShowAcknowledgements.Handle).WithAsOf().ProducesProblem(StatusCodes.Status403Forbidden);
        school.MapPost("/people/{personId:guid}/paper-acknowledgements", RecordPaperAcknowledgement.Handle).RequireRoles(Role.Office, Role.Slt, Role.Headteacher);
        return school;
    }
}
