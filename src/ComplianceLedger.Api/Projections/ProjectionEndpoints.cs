using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.EventStore.Projections.Daemon;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ComplianceLedger.Api.Projections;

/// <summary>One read model's state for the engineer who runs the ledger.</summary>
public sealed record ProjectionView(
    string Name, string Mode, long LagEvents, double LagSeconds, int TenantsBehind, IReadOnlyList<PausedTenant> Paused);

public sealed record ProjectionsView(bool ThisNodeLeads, IReadOnlyList<ProjectionView> Projections);

public static class ProjectionEndpoints
{
    /// <summary>
    /// <c>GET /api/projections</c>: every read model, inline or async, with its lag and paused
    /// tenants. Operational state only (no personal data), like <c>/health/ready</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapProjections(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/projections", ListAsync).WithName("ListProjections").WithTags("Operations").AllowAnonymous();
        return app;
    }

    static async Task<Ok<ProjectionsView>> ListAsync(
        NpgsqlDataSource dataSource, ProjectionDaemon daemon, IEnumerable<IProjection> projections, CancellationToken ct)
    {
        var status = (await ProjectionProgress.StatusAsync(dataSource, daemon.Projections, ct)).ToDictionary(s => s.Projection);
        var views = projections.Select(p => status.TryGetValue(p.Name, out var s)
            ? new ProjectionView(p.Name, "async", s.LagEvents, Math.Round(s.LagSeconds, 3), s.TenantsBehind, s.Paused)
            : new ProjectionView(p.Name, "inline", 0, 0, 0, []));
        return TypedResults.Ok(new ProjectionsView(daemon.IsLeader, [.. views]));
    }
}

/// <summary>Degraded (still serving) while any async projection is paused for any tenant; the details name them.</summary>
sealed class ProjectionsHealthCheck(NpgsqlDataSource dataSource, ProjectionDaemon daemon) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ProjectionStatus> status;
        try
        {
            status = await ProjectionProgress.StatusAsync(dataSource, daemon.Projections, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("projection progress unreadable: " + e.Message);
        }
        var data = new Dictionary<string, object>();
        foreach (var s in status)
        {
            data[s.Projection] = new { lagEvents = s.LagEvents, lagSeconds = Math.Round(s.LagSeconds, 3), paused = s.Paused };
        }
        var paused = status.SelectMany(s => s.Paused.Select(p => $"{s.Projection} for {p.Tenant} at position {p.Position}")).ToList();
        return paused.Count == 0
            ? HealthCheckResult.Healthy($"async projections running; this node {(daemon.IsLeader ? "leads" : "follows")}", data)
            : HealthCheckResult.Degraded("paused: " + string.Join("; ", paused), data: data);
    }
}
