namespace ComplianceLedger.Api.Web;

/// <summary>
/// Server-rendered pages: Razor components returned by minimal-API endpoints
/// (<c>RazorComponentResult</c>), each in its feature's folder beside the endpoints whose use case
/// it shares, so that a page is guarded by the same metadata and filters as its API
/// (docs/decisions.md). No component router and no script: every page works without JavaScript.
/// </summary>
public static class LedgerPages
{
    /// <summary>Marks an endpoint as a page: its refusals and errors are pages too, never problem JSON.</summary>
    public sealed class PageEndpoint;

    public static readonly PageEndpoint Page = new();

    public static WebApplicationBuilder AddLedgerPages(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "ledger.af";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        // First of the problem writers (they are asked in registration order): the default JSON
        // writer would answer a browser's "*/*" too.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, PageProblemWriter>());
        // The dashboard's trend keeps each finished day's figures, which never change.
        builder.Services.AddSingleton<Compliance.CoverageTrend>();
        return builder;
    }

    public static TBuilder AsPage<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(Page).ExcludeFromDescription();

    /// <summary>
    /// A page's request, or a person's browser asking for an address that is no page or API:
    /// both are answered in HTML. Everything under <c>/api</c> (and the machine-read addresses)
    /// keeps its problem JSON whatever the client accepts.
    /// </summary>
    public static bool IsPageRequest(HttpContext http)
    {
        // After an exception the handler has cleared the endpoint; its feature keeps the one that threw.
        var endpoint = http.GetEndpoint() ?? http.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint;
        if (endpoint?.Metadata.GetMetadata<PageEndpoint>() is not null)
        {
            return true;
        }
        var path = http.Request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/health") || path.StartsWithSegments("/openapi")
            || path.StartsWithSegments("/scalar"))
        {
            return false;
        }
        return endpoint is null
            && http.Request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
    }
}
