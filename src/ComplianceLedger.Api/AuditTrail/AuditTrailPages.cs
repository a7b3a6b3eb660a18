using System.Globalization;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.AuditTrail.Pages;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.AuditTrail;

/// <summary>The audit trail as a page: the read of <c>GET /api/schools/{urn}/audit-trail</c>, its filters as GET fields, paged as it pages.</summary>
public static class AuditTrailPages
{
    public const int PageSize = 50;

    public static RouteGroupBuilder MapAuditTrailPages(this RouteGroupBuilder school)
    {
        school.MapGet("/audit-trail", AuditTrailAsync).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders();
        return school;
    }

    static async Task<RazorComponentResult<AuditTrailPage>> AuditTrailAsync(
        string urn, ReadModelReader readModels, PersonalDataVault vault, Npgsql.NpgsqlDataSource dataSource, TimeProvider time, CancellationToken ct,
        string? person = null, string? kind = null, string? from = null, string? to = null, string? before = null, string? asOf = null, int limit = PageSize)
    {
        asOf = CompliancePages.Asked(asOf);
        var filters = new AuditTrailPage.Filters(CompliancePages.Asked(person), CompliancePages.Asked(kind), CompliancePages.Asked(from), CompliancePages.Asked(to),
            CompliancePages.Asked(before));
        var today = SchoolDay.Today(time);
        // The people to filter by: everyone the school has had, as the register has them today.
        var people = (await ListPeople.Handle(urn, readModels, vault, ct)).Value!.Items.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var errors = new List<(string Field, string Message)>();
        var fromDay = Date(filters.From, "from", "The first day", errors);
        var toDay = Date(filters.To, "to", "The last day", errors);
        long? beforePosition = filters.Before is null ? null
            : long.TryParse(filters.Before, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b > 0 ? b : null;
        if (filters.Person is not null && !Guid.TryParse(filters.Person, out _))
        {
            errors.Add(("person", "Choose a person from the list."));
        }
        if (filters.Kind is not null && !AuditTrailPage.Kinds.Any(k => k.Prefix == filters.Kind))
        {
            errors.Add(("kind", "Choose a kind of event from the list."));
        }
        var page = new { Urn = urn, Asked = asOf, Today = today, Show = filters with { Limit = limit == PageSize ? null : limit }, People = people };
        if (errors.Count > 0)
        {
            return new RazorComponentResult<AuditTrailPage>(new { page.Urn, page.Asked, page.Today, page.Show, page.People, Errors = errors }) { StatusCode = StatusCodes.Status400BadRequest };
        }
        try
        {
            var answer = await ShowAuditTrail.Handle(urn, readModels, vault, ct, filters.Kind, filters.Person, fromDay, toDay, beforePosition, limit, asOf);
            if (answer.Result is ProblemHttpResult problem)
            {
                errors.Add(("from", problem.ProblemDetails.Detail ?? "Check the filters."));
                return new RazorComponentResult<AuditTrailPage>(new { page.Urn, page.Asked, page.Today, page.Show, page.People, Errors = errors }) { StatusCode = problem.StatusCode };
            }
            var trail = ((Ok<ShowAuditTrail.AuditTrailPage>)answer.Result).Value!;
            // The school's name as it is now: the trail's own read replays "as of" once, and a name is not evidence.
            var name = await CompliancePages.SchoolNameAsync(dataSource, urn, ct);
            return new RazorComponentResult<AuditTrailPage>(new { page.Urn, page.Asked, page.Today, page.Show, page.People, SchoolName = name, Trail = trail });
        }
        catch (CommandRefusedException e) when (asOf is not null)
        {
            errors.Add(("asOf", e.Message));
            return new RazorComponentResult<AuditTrailPage>(new { page.Urn, page.Asked, page.Today, page.Show, page.People, Errors = errors }) { StatusCode = e.Status };
        }
    }

    static DateOnly? Date(string? value, string field, string what, List<(string, string)> errors)
    {
        if (value is null)
        {
            return null;
        }
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }
        errors.Add((field, $"{what} must be a real date."));
        return null;
    }
}
