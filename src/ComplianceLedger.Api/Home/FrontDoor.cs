using System.Security.Claims;
using ComplianceLedger.Api.Home.Pages;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Home;

/// <summary>The service's address: a signed-in person goes to their home page, anyone else to sign in.</summary>
public static class FrontDoor
{
    public static IEndpointRouteBuilder MapFrontDoor(this IEndpointRouteBuilder app, IHostEnvironment environment)
    {
        app.MapGet("/", Home).AsPage();
        var providers = SignIn.OidcProviders.Configured(app.ServiceProvider.GetRequiredService<IConfiguration>())
            .Select(p => new SignInPage.ProviderLink(p.Name, p.DisplayName)).ToList();
        app.MapGet("/sign-in", (string? returnUrl) => new RazorComponentResult<SignInPage>(new
        {
            DemoSignIn = environment.IsDevelopment(),
            Providers = providers,
            ReturnUrl = SignIn.OidcProviders.LocalReturnUrl(returnUrl),
        })).AsPage();
        return app;
    }

    /// <summary>
    /// Each role's home page, by the roles the ledger gives the person today (read per request, so a
    /// role change sends them elsewhere at once). Whoever holds several goes to the first that applies.
    /// </summary>
    static async Task<RedirectHttpResult> Home(HttpContext http, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        if (http.User.Identity?.IsAuthenticated != true || http.User.FindFirstValue(SchoolMember.SchoolClaim) is not { } urn)
        {
            return TypedResults.LocalRedirect("/sign-in");
        }
        // Someone no longer at the school still lands on a school page, which says why they may not read it.
        var roles = Guid.TryParse(http.User.FindFirstValue(ClaimTypes.NameIdentifier), out var personId)
            ? await SchoolAccess.CurrentRolesAsync(dataSource, urn, personId, ct) ?? new HashSet<Role>()
            : new HashSet<Role>();
        if (roles.Contains(Role.TrustLeader) && await TrustOfAsync(dataSource, urn, ct) is { } trustId)
        {
            return TypedResults.LocalRedirect($"/trusts/{Uri.EscapeDataString(trustId)}");
        }
        return TypedResults.LocalRedirect($"/schools/{urn}/{HomePage(roles)}");
    }

    /// <summary>The school page a person's roles lead to, after the trust leader's own.</summary>
    public static string HomePage(IReadOnlySet<Role> roles) =>
        roles.Contains(Role.Headteacher) || roles.Contains(Role.ChairOfGovernors) ? "approvals"
        : roles.Contains(Role.Dsl) ? "advice"
        : roles.Contains(Role.Governor) || roles.Contains(Role.Clerk) ? "dashboard"
        : roles.Contains(Role.Office) ? "accounts"
        : "to-do";

    static async Task<string?> TrustOfAsync(NpgsqlDataSource dataSource, string urn, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT trust_id FROM rm.schools WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return await command.ExecuteScalarAsync(ct) as string;
    }
}
