using ComplianceLedger.Api.AsOf;

namespace ComplianceLedger.Api.Trusts;

public static class TrustEndpoints
{
    public static IEndpointRouteBuilder MapTrusts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/trusts/{trustId}/compliance", TrustCompliance.Handle).RequireAuthorization().WithAsOf();
        app.MapPost("/api/trusts/{trustId}/schools", AddTrustSchool.Handle).RequireAuthorization().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }
}
