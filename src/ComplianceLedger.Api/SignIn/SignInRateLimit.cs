using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace ComplianceLedger.Api.SignIn;

/// <summary>
/// Sign-in attempts are limited per client address: <c>SignIn:RateLimit:PermitPerMinute</c>
/// (default 10) a minute, no queue, beside a cap for all addresses together. A global limiter
/// partitioned by path, because a provider's callback is answered inside authentication, before
/// any endpoint's own metadata applies; so <see cref="UseSignInRateLimit"/> comes before
/// <c>UseAuthentication</c>. Other paths are not limited. A refusal is a 429 with Retry-After.
/// </summary>
public static class SignInRateLimit
{
    public static WebApplicationBuilder AddSignInRateLimit(this WebApplicationBuilder builder)
    {
        var permit = Math.Max(1, builder.Configuration.GetValue("SignIn:RateLimit:PermitPerMinute", 10));
        builder.Services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => IsSignInAttempt(http.Request)
                    ? RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => Window(permit))
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(http => IsSignInAttempt(http.Request)
                    ? RateLimitPartition.GetFixedWindowLimiter("all", _ => Window(Math.Max(300, permit * 30)))
                    : RateLimitPartition.GetNoLimiter("")));
            options.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = "60";
                const string Detail = "Too many sign-in attempts from here in the last minute. Wait a minute, then try again.";
                if (http.Request.Path.StartsWithSegments("/api"))
                {
                    await TypedResults.Problem(Detail, title: "Too many sign-in attempts", statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(http);
                    return;
                }
                http.Response.ContentType = "text/html; charset=utf-8";
                await http.Response.WriteAsync(
                    "<!DOCTYPE html><html lang=\"en\"><head><title>Too many sign-in attempts</title></head><body>"
                    + "<h1 class=\"govuk-heading-l\">Too many sign-in attempts</h1><p class=\"govuk-body\">" + Detail
                    + "</p><p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/sign-in\">Back to sign in</a></p></body></html>", ct);
            };
        });
        return builder;
    }

    static FixedWindowRateLimiterOptions Window(int permit) =>
        new() { PermitLimit = permit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true };

    /// <summary>
    /// A sign-in attempt: a provider's challenge or callback, the choice of a school, the local
    /// provider's choice, the development sign-in's post. The pages that only say what happened
    /// (unknown, which school) are not attempts.
    /// </summary>
    internal static bool IsSignInAttempt(HttpRequest request) =>
        request.Path.StartsWithSegments("/signin-oidc")
        || (request.Path.StartsWithSegments("/sign-in", out var rest) && rest.HasValue && rest != "/" && rest != "/unknown"
            && !(rest == "/choose-school" && HttpMethods.IsGet(request.Method)))
        || (HttpMethods.IsPost(request.Method) && (request.Path.StartsWithSegments("/local-idp/authorize") || request.Path.StartsWithSegments("/dev/sign-in")));

    public static IApplicationBuilder UseSignInRateLimit(this IApplicationBuilder app) => app.UseRateLimiter();

}
