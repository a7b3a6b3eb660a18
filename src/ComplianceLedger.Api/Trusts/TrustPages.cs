using System.Security.Claims;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Trusts.Pages;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Trusts;

/// <summary>The trust leaders' page: the read of <c>GET /api/trusts/{trustId}/compliance</c>, guarded alike (a leader of the trust, else 404).</summary>
public static class TrustPages
{
    public static IEndpointRouteBuilder MapTrustPages(this IEndpointRouteBuilder app)
    {
        var trust = app.MapGroup("/trusts/{trustId}").RequireAuthorization().AsPage();
        trust.MapGet("", TrustAsync);
        return app;
    }

    static async Task<IResult> TrustAsync(
        string trustId, ClaimsPrincipal user, NpgsqlDataSource dataSource, ReadModelReader readModels, TimeProvider time, CancellationToken ct,
        string? asOf = null, string? sort = null, string? dir = null)
    {
        asOf = CompliancePages.Asked(asOf);
        var order = TrustDashboardPage.Order.Parse(sort, dir);
        var today = SchoolDay.Today(time);
        try
        {
            var answer = await TrustCompliance.Handle(trustId, user, dataSource, readModels, time, ct, asOf);
            if (answer.Result is ProblemHttpResult { StatusCode: StatusCodes.Status400BadRequest } refused && asOf is not null)
            {
                // A chain position where a day belongs: said on the page, by the date field.
                return new RazorComponentResult<TrustDashboardPage>(new { TrustId = trustId, Asked = asOf, Today = today, Sort = order, Refusal = refused.ProblemDetails.Detail })
                {
                    StatusCode = refused.StatusCode,
                };
            }
            if (answer.Result is not Ok<TrustCompliance.Summary> { Value: { } summary })
            {
                // Not a leader of this trust: answered as the API answers.
                return answer.Result;
            }
            return new RazorComponentResult<TrustDashboardPage>(new { TrustId = trustId, Asked = asOf, Today = today, Sort = order, Summary = summary });
        }
        catch (CommandRefusedException e) when (asOf is not null)
        {
            return new RazorComponentResult<TrustDashboardPage>(new { TrustId = trustId, Asked = asOf, Today = today, Sort = order, Refusal = e.Message })
            {
                StatusCode = e.Status,
            };
        }
    }
}
