namespace ComplianceLedger.Api.Ledger;

public static class LedgerEndpoints
{
    /// <summary>The raw ledger: append to and read a school's streams, sign checkpoints.</summary>
    public static IEndpointRouteBuilder MapLedger(this IEndpointRouteBuilder app)
    {
        var school = app.MapGroup("/api/schools/{urn}").WithTags("Ledger");
        school.MapPost("/streams/{streamId}/events", AppendEvents.Handle)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(AppendEvents.MaxBodyBytes));
        school.MapGet("/streams/{streamId}", ReadEvents.Stream);
        school.MapGet("/events", ReadEvents.Tenant);
        school.MapPost("/checkpoints", IssueCheckpoint.Handle);
        app.MapGet("/api/ledger/signing-key", IssueCheckpoint.PublicKey).WithTags("Ledger");
        return app;
    }
}
