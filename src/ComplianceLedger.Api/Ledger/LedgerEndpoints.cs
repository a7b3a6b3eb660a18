using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;

namespace ComplianceLedger.Api.Ledger;

public static class LedgerEndpoints
{
    /// <summary>
    /// The raw ledger of a school: its events (for the audit trail), signed checkpoints, and,
    /// when <c>Ledger:RawAppend:Enabled</c> (Development, integration tests), appending events
    /// directly. Raw appends skip the decisions, so they are never on in production.
    /// </summary>
    public static RouteGroupBuilder MapLedger(this RouteGroupBuilder school, IConfiguration configuration)
    {
        school.MapGet("/streams/{streamId}", ReadEvents.Stream).RequireRoles(Roles.DashboardReaders);
        school.MapGet("/events", ReadEvents.Tenant).RequireRoles(Roles.DashboardReaders);
        school.MapGet("/receipts/{eventId}", Receipts.DownloadReceipt.Handle)
            .Produces<EventStore.Receipts.EventReceipt>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        school.MapPost("/checkpoints", IssueCheckpoint.Handle).RequireRoles(Role.Headteacher, Role.Slt, Role.Office);
        school.MapGet("/checkpoints/{position}", ShowCheckpoint.Handle).RequireRoles([Role.Office, .. Roles.DashboardReaders])
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        if (configuration.GetValue("Ledger:RawAppend:Enabled", false))
        {
            school.MapPost("/streams/{streamId}/events", AppendEvents.Handle)
                .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(AppendEvents.MaxBodyBytes))
                .RequireRoles(Role.Headteacher);
        }
        return school;
    }

    /// <summary>The checkpoint public key is public: anyone verifying an export needs it.</summary>
    public static IEndpointRouteBuilder MapSigningKey(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ledger/signing-key", IssueCheckpoint.PublicKey).WithTags("Ledger");
        return app;
    }
}
