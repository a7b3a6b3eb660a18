namespace ComplianceLedger.Api.Web;

/// <summary>
/// Headers every response carries, and the pages' Content-Security-Policy: scripts and styles
/// only from files of this site (none inline, so an injected tag or attribute does nothing), no
/// framing, forms only to this site.
/// </summary>
public static class SecurityHeaders
{
    public const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(AddHeaders);

    static Task AddHeaders(HttpContext http, RequestDelegate next)
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            // No other site's window keeps a handle on ours (a page opened from elsewhere cannot script it).
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            // The development API reference (Scalar) is a third party's page with its own scripts.
            if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true
                && !http.Request.Path.StartsWithSegments("/scalar"))
            {
                headers.ContentSecurityPolicy = PagePolicy;
            }
            return Task.CompletedTask;
        });
        return next(http);
    }
}
