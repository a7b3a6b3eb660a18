using ComplianceLedger.Api.AsOf;

namespace ComplianceLedger.Api.Trusts;

public static class TrustEndpoints
{
    public static IEndpointRouteBuilder MapTrusts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/trusts/{trustId}/compliance", TrustCompliance.Handle).RequireAuthorization().WithAsOf();
        return app;
    }
}
