using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Notices.Pages;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Notices;

/// <summary>
/// <c>/notices/{urn}/{personId}/stop-copies?token=…</c>: the page a message's link opens, and the
/// POST that stops the optional copies (from the page's button, or a mail client's one-click
/// unsubscribe, RFC 8058). The token is the authority: no sign-in, no antiforgery token (a mail
/// provider posts with neither).
/// </summary>
public static class StopCopies
{
    public const string Actor = "system:notice-link";

    public static IEndpointRouteBuilder MapNotices(this IEndpointRouteBuilder app)
    {
        app.MapGet("/notices/{urn}/{personId:guid}/stop-copies", Show).ExcludeFromDescription().AsPage();
        app.MapPost("/notices/{urn}/{personId:guid}/stop-copies", StopAsync).DisableAntiforgery().ExcludeFromDescription().AsPage();
        return app;
    }

    static Results<RazorComponentResult<StopCopiesPage>, ProblemHttpResult> Show(string urn, Guid personId, string? token, NoticeLinks links) =>
        links.IsValid(urn, personId, token)
            ? new RazorComponentResult<StopCopiesPage>(new { Action = links.StopCopiesPath(urn, personId) })
            : NotThisLink();

    static async Task<Results<RazorComponentResult<StopCopiesPage>, ProblemHttpResult>> StopAsync(
        string urn, Guid personId, string? token, NoticeLinks links, LedgerStore store, TimeProvider time, CancellationToken ct)
    {
        if (!links.IsValid(urn, personId, token))
        {
            return NotThisLink();
        }
        var now = time.GetUtcNow();
        var context = CommandContext.ForOperator(urn, Actor, now);
        try
        {
            await StreamHandler.HandleAsync(store, context, NoticeState.StreamId(personId), NoticeState.Stream,
                s => NoticeState.StopCopies(personId, now, s), ct);
        }
        catch (CommandRefusedException)
        {
            // Stopped already (a second click, or the mail client's one-click as well as the page's).
        }
        return new RazorComponentResult<StopCopiesPage>(new { Done = true });
    }

    static ProblemHttpResult NotThisLink() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "This link does not work",
        detail: "The link is not complete or was changed. Open it again from the message, or ask the school office.");
}
