using ComplianceLedger.Api.Home.Pages;
using ComplianceLedger.Api.Schools;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Home;

/// <summary>The service's address: a signed-in person goes to their home page, anyone else to sign in.</summary>
public static class FrontDoor
{
    public static IEndpointRouteBuilder MapFrontDoor(this IEndpointRouteBuilder app, IHostEnvironment environment)
    {
        app.MapGet("/", Home).ExcludeFromDescription();
        var providers = SignIn.OidcProviders.Configured(app.ServiceProvider.GetRequiredService<IConfiguration>())
            .Select(p => new SignInPage.ProviderLink(p.Name, p.DisplayName)).ToList();
        app.MapGet("/sign-in", (string? returnUrl) => new RazorComponentResult<SignInPage>(new
        {
            DemoSignIn = environment.IsDevelopment(),
            Providers = providers,
            ReturnUrl = SignIn.OidcProviders.LocalReturnUrl(returnUrl),
        })).ExcludeFromDescription();
        return app;
    }

    static RedirectHttpResult Home(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true && http.User.FindFirst(SchoolMember.SchoolClaim)?.Value is { } urn
            ? TypedResults.LocalRedirect($"/schools/{urn}/to-do")
            : TypedResults.LocalRedirect("/sign-in");
}
