namespace ComplianceLedger.Api.Trusts;

public static class TrustEndpoints
{
    public static IEndpointRouteBuilder MapTrusts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/trusts/{trustId}/compliance", TrustCompliance.Handle).RequireAuthorization().ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }
}
