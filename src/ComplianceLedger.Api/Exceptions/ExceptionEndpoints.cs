using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// Declared relationships and exception requests share one decision flow, so after they are made
/// both are addressed as <c>/exceptions/{id}</c>.
/// </summary>
public static class ExceptionEndpoints
{
    /// <summary>The roles that decide. Which of them may decide a given item is for the decision (segregation of duties).</summary>
    public static readonly Role[] Deciders = [Role.Headteacher, Role.ChairOfGovernors];

    public static readonly Role[] QueueReaders = [Role.Headteacher, Role.Dsl, Role.ChairOfGovernors];

    public static RouteGroupBuilder MapExceptions(this RouteGroupBuilder school)
    {
        // Anyone at the school declares or requests for themselves, and acts on their own as its holder.
        school.MapPost("/declarations", DeclareRelationship.Handle);
        school.MapPost("/exceptions", MakeExceptionRequest.Handle);
        school.MapPost("/exceptions/{id:guid}/withdrawal", WithdrawRequest.Handle);
        school.MapPost("/exceptions/{id:guid}/extension-requests", RequestExtension.Handle);
        school.MapGet("/me/exceptions", MyExceptions.Handle).WithAsOf();
        school.MapGet("/exceptions/{id:guid}", ShowRequest.Handle).WithAsOf();

        school.MapPost("/exceptions/{id:guid}/dsl-advice", RecordDslAdvice.Handle).RequireRoles(Role.Dsl);
        school.MapPost("/exceptions/{id:guid}/approval", ApproveRequest.Handle).RequireRoles(Deciders);
        school.MapPost("/exceptions/{id:guid}/refusal", DeclineRequest.Handle).RequireRoles(Deciders);
        school.MapPost("/exceptions/{id:guid}/reviews", ReviewDeclaration.Handle).RequireRoles(Deciders);
        school.MapPost("/exceptions/{id:guid}/revocation", RevokeApproval.Handle).RequireRoles(Deciders);
        school.MapPost("/exceptions/{id:guid}/extension-approval", ApproveExtension.Handle).RequireRoles(Deciders);
        school.MapPost("/exceptions/{id:guid}/extension-refusal", DeclineExtension.Handle).RequireRoles(Deciders);
        school.MapPost("/exceptions/{id:guid}/expiry", RecordExpiry.Handle).RequireRoles(Role.Headteacher, Role.Office);
        school.MapGet("/approvals", ListApprovals.Handle).RequireRoles(QueueReaders).WithAsOf();
        return school;
    }
}
