using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Credentials;

namespace ComplianceLedger.Api.Trusts;

public static class TrustEndpoints
{
    public static IEndpointRouteBuilder MapTrusts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/trusts/{trustId}/compliance", TrustCompliance.Handle).RequireAuthorization().WithAsOf();
        app.MapGroup("/api/trusts/{trustId}/schools").RefuseSecrets().MapPost("", AddTrustSchool.Handle).RequireAuthorization().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }
}
