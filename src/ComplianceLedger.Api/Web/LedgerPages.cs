namespace ComplianceLedger.Api.Web;

/// <summary>
/// Server-rendered pages: Razor components returned by minimal-API endpoints
/// (<c>RazorComponentResult</c>), each in its feature's folder beside the endpoints whose use case
/// it shares, so that a page is guarded by the same metadata and filters as its API
/// (docs/decisions.md). No component router and no script: every page works without JavaScript.
/// </summary>
public static class LedgerPages
{
    public static WebApplicationBuilder AddLedgerPages(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        // The dashboard's trend keeps each finished day's figures, which never change.
        builder.Services.AddSingleton<Compliance.CoverageTrend>();
        return builder;
    }
}
