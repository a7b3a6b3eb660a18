using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ComplianceLedger.Api.Web;

/// <summary>
/// Writes a problem as a page for a page's request: the same status, title and detail a client of
/// the API would read, in the site's frame, so a refusal by the membership check, a role filter,
/// the secret guard or an expired form reads as a sentence with a way on, never as JSON.
/// </summary>
sealed class PageProblemWriter(IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => LedgerPages.IsPageRequest(context.HttpContext);

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        var page = new RazorComponentResult<ErrorPage>(new
        {
            Status = status,
            Heading = problem.Title ?? "Something went wrong",
            Detail = problem.Status == StatusCodes.Status404NotFound && problem.Detail?.Contains("/openapi", StringComparison.Ordinal) == true
                ? "There is no page at this address. Check the address, or go to your home page."
                : problem.Detail,
        })
        { StatusCode = status };
        await page.ExecuteAsync(context.HttpContext);
    }
}
