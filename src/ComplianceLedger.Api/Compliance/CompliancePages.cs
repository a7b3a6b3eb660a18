using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Compliance.Pages;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Compliance;

/// <summary>The governors' dashboard and the people behind its figures: the reads of <c>GET /api/schools/{urn}/compliance</c>, guarded alike.</summary>
public static class CompliancePages
{
    public static RouteGroupBuilder MapCompliancePages(this RouteGroupBuilder school)
    {
        school.MapGet("/dashboard", DashboardAsync).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders();
        school.MapGet("/dashboard/items", ItemsAsync).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders();
        return school;
    }

    /// <summary>The school's name in the scope's snapshot, for a page's heading and its printed line.</summary>
    public static async Task<string?> SchoolNameAsync(ReadScope scope, string urn, CancellationToken ct)
    {
        await using var command = scope.Command("SELECT name FROM rm.schools WHERE tenant = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = urn });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public static async Task<string?> SchoolNameAsync(Npgsql.NpgsqlDataSource dataSource, string urn, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT name FROM rm.schools WHERE tenant = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = urn });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>A date field left empty means today, live.</summary>
    public static string? Asked(string? asOf) => string.IsNullOrWhiteSpace(asOf) ? null : asOf.Trim();

    static async Task<RazorComponentResult<DashboardPage>> DashboardAsync(
        string urn, ReadModelReader readModels, PersonalDataVault vault, CoverageTrend trend, Npgsql.NpgsqlDataSource dataSource, TimeProvider time,
        CancellationToken ct, string? asOf = null)
    {
        asOf = Asked(asOf);
        var today = SchoolDay.Today(time);
        SchoolCompliance.Summary summary;
        SchoolCompliance.Item[] overdue;
        try
        {
            // One snapshot (one replay when "as of") for the figures and the overdue people behind them.
            await using var scope = await readModels.OpenAsync(urn, asOf, ct);
            summary = await SchoolCompliance.SummariseAsync(scope, urn, ct);
            overdue = await SchoolCompliance.ItemsAsync(scope, vault, urn, ct, status: "overdue");
        }
        catch (CommandRefusedException e) when (asOf is not null)
        {
            return new RazorComponentResult<DashboardPage>(new { Urn = urn, Asked = asOf, Today = today, Refusal = e.Message }) { StatusCode = e.Status };
        }
        var points = await trend.PointsAsync(urn, summary, ct);
        var latest = await CheckpointIssuer.LatestTreeHeadAsync(dataSource, urn, ct);
        var digest = latest is { } l ? l.Head.ToDigest(await SchoolNameAsync(dataSource, urn, ct)) : null;
        return new RazorComponentResult<DashboardPage>(new
        {
            Urn = urn,
            Asked = asOf,
            Today = today,
            Summary = summary,
            Overdue = overdue,
            Trend = points,
            Digest = digest,
            DigestSignedAt = latest?.Head.IssuedAt,
        });
    }

    static async Task<RazorComponentResult<ComplianceItemsPage>> ItemsAsync(
        string urn, ReadModelReader readModels, PersonalDataVault vault, TimeProvider time, CancellationToken ct,
        string? rule = null, string? status = null, string? role = null, string? policy = null, string? asOf = null)
    {
        asOf = Asked(asOf);
        var filters = new ComplianceItemsPage.Filters(Asked(rule), Asked(status), Asked(role), Asked(policy));
        var today = SchoolDay.Today(time);
        try
        {
            await using var scope = await readModels.OpenAsync(urn, asOf, ct);
            var summary = await SchoolCompliance.SummariseAsync(scope, urn, ct);
            var items = await SchoolCompliance.ItemsAsync(scope, vault, urn, ct, filters.Rule, filters.Status, filters.Role, filters.Policy);
            var ordered = items.OrderBy(i => ComplianceWords.Urgency(i.Status)).ThenBy(i => i.DueOn ?? DateOnly.MaxValue)
                .ThenBy(i => i.PersonName, StringComparer.Ordinal).ToList();
            return new RazorComponentResult<ComplianceItemsPage>(new { Urn = urn, Asked = asOf, Today = today, Show = filters, Summary = summary, Items = ordered });
        }
        catch (CommandRefusedException e) when (asOf is not null)
        {
            return new RazorComponentResult<ComplianceItemsPage>(new { Urn = urn, Asked = asOf, Today = today, Show = filters, Refusal = e.Message }) { StatusCode = e.Status };
        }
    }
}
