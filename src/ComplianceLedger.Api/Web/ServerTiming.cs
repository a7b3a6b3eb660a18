using System.Diagnostics;
using System.Globalization;

namespace ComplianceLedger.Api.Web;

/// <summary>
/// <c>Server-Timing: app;dur=…</c> on every page: the time from the request reaching the app to its
/// response starting, as the browser's developer tools and ops/bench's page figure read it.
/// </summary>
public static class ServerTiming
{
    public static IApplicationBuilder UseServerTiming(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var began = Stopwatch.GetTimestamp();
        http.Response.OnStarting(() =>
        {
            if (LedgerPages.IsPageRequest(http))
            {
                http.Response.Headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture,
                    $"app;dur={Stopwatch.GetElapsedTime(began).TotalMilliseconds:0.0}");
            }
            return Task.CompletedTask;
        });
        return next(http);
    });
}
