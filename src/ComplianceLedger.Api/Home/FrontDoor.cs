using ComplianceLedger.Api.Home.Pages;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Home;

/// <summary>The service's address: a signed-in person goes to their home page, anyone else to sign in.</summary>
public static class FrontDoor
{
    public static IEndpointRouteBuilder MapFrontDoor(this IEndpointRouteBuilder app, IHostEnvironment environment)
    {
        app.MapGet("/", Home).AsPage();
        app.MapGet("/sign-in", () => new RazorComponentResult<SignInPage>(new { DemoSignIn = environment.IsDevelopment() })).AsPage();
        return app;
    }

    static RedirectHttpResult Home(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true && http.User.FindFirst(SchoolMember.SchoolClaim)?.Value is { } urn
            ? TypedResults.LocalRedirect($"/schools/{urn}/to-do")
            : TypedResults.LocalRedirect("/sign-in");
}
