using System.Security.Claims;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.SignIn.LocalProvider;
using ComplianceLedger.Api.SignIn.Pages;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.SignIn;

/// <summary>
/// Cookie sign-in. The cookie names only the person, their school and a server-side session
/// (<see cref="Sessions"/>); the session and roles are checked against the database on every
/// request. Production sign-in (SSO) plugs in by issuing the principal <see cref="Sessions.StartAsync"/>
/// returns; in Development a page lets you act as any demo person.
/// </summary>
public static class SignInEndpoints
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;

    public static WebApplicationBuilder AddLedgerSignIn(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(Scheme).AddCookie(Scheme, options =>
        {
            options.Cookie.Name = "ledger";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            // Secure always (browsers keep Secure cookies on http://localhost too). Test-only:
            // SignIn:Cookies:Secure=false, for .NET's cookie container, which sends none over http.
            options.Cookie.SecurePolicy = builder.Configuration.GetValue("SignIn:Cookies:Secure", true)
                ? CookieSecurePolicy.Always
                : CookieSecurePolicy.SameAsRequest;
            options.SlidingExpiration = true;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            // An API answers 401/403 with problem details; a page sends the reader to sign in.
            options.Events.OnRedirectToLogin = context => context.Request.Path.StartsWithSegments("/api")
                ? Sessions.WriteUnauthorizedAsync(context.HttpContext)
                : Redirect(context, "/sign-in");
            options.Events.OnRedirectToAccessDenied = context => Status(context, StatusCodes.Status403Forbidden);
            // Signing out or leaving ends a session even for a copy of the cookie kept elsewhere.
            options.Events.OnValidatePrincipal = Sessions.ValidateAsync;
        }).AddLedgerProviders(builder.Configuration);
        builder.AddLocalProvider();
        builder.Services.AddAuthorization();
        builder.AddSignInRateLimit();
        return builder;
    }

    static Task Redirect(RedirectContext<CookieAuthenticationOptions> context, string path)
    {
        context.Response.Redirect(path);
        return Task.CompletedTask;
    }

    static Task Status(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder app, IHostEnvironment environment)
    {
        app.MapGet("/api/me", Me).RequireAuthorization();
        app.MapPost("/sign-out", SignOutAsync);
        app.MapGet("/signed-out", (HttpContext http) => http.User.Identity?.IsAuthenticated == true
            ? Results.LocalRedirect("/")
            : new RazorComponentResult<SignedOutPage>()).AsPage();
        // Signing in through a provider: the challenge, and what a person is told when it finds no one.
        var providers = OidcProviders.Configured(app.ServiceProvider.GetRequiredService<IConfiguration>()).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        app.MapGet("/sign-in/unknown", (HttpContext http, string? e) =>
            new RazorComponentResult<SignInUnknownPage>(new { Email = OidcProviders.UnprotectEmail(http, e) })).ExcludeFromDescription();
        app.MapSchoolChoice();
        app.MapGet("/sign-in/{provider}", (string provider, string? returnUrl) => providers.Contains(provider)
            ? Results.Challenge(new AuthenticationProperties { RedirectUri = OidcProviders.LocalReturnUrl(returnUrl) }, [OidcProviders.SchemeOf(provider)])
            : Results.NotFound()).ExcludeFromDescription();
        if (environment.IsDevelopment())
        {
            app.MapGet("/dev/sign-in", Page).AsPage();
            app.MapPost("/dev/sign-in", SignInAs).ExcludeFromDescription().DisableAntiforgery();
        }
        return app;
    }

    /// <summary>
    /// Ends this browser's session. The pages' button posts a form, which must carry the page's
    /// antiforgery token (a form another site sends cannot), and then goes to the signed-out page.
    /// An API client posts no form and gets 204. A browser's request from another site (Sec-Fetch-Site)
    /// is refused whatever it sends: sign-out is no link for other sites to follow.
    /// </summary>
    static async Task<IResult> SignOutAsync(HttpContext http, NpgsqlDataSource dataSource, IAntiforgery antiforgery)
    {
        var form = http.Request.HasFormContentType;
        var signedIn = http.User.Identity?.IsAuthenticated == true;
        if (signedIn && http.Request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site")
        {
            return form
                ? new RazorComponentResult<SignOutRefusedPage>() { StatusCode = StatusCodes.Status403Forbidden }
                : TypedResults.Problem("Sign out from the service's own pages, or from a client of the API; a page on another site cannot sign you out.",
                    title: "Sign-out from another site refused", statusCode: StatusCodes.Status403Forbidden);
        }
        // Someone not signed in has nothing to end, whatever the form holds.
        if (signedIn && form && !await antiforgery.IsRequestValidAsync(http))
        {
            return new RazorComponentResult<SignOutRefusedPage>() { StatusCode = StatusCodes.Status400BadRequest };
        }
        await Sessions.EndAsync(dataSource, http.User, http.RequestAborted);
        await http.SignOutAsync(Scheme);
        return form ? new SeeOther("/signed-out") : Results.NoContent();
    }

    /// <summary>303 See Other: the browser follows it with a GET, so a reload sends no form again.</summary>
    internal sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    public sealed record MeView(string Urn, Guid PersonId, string Name, IReadOnlyList<string> Roles);

    static async Task<Results<Ok<MeView>, ProblemHttpResult>> Me(ClaimsPrincipal user, NpgsqlDataSource dataSource, PersonalDataVault vault, CancellationToken ct)
    {
        var urn = user.FindFirstValue(SchoolMember.SchoolClaim)!;
        var personId = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
        await using var command = dataSource.CreateCommand(
            $"SELECT p.sealed_name, {SchoolAccess.RolesTodaySql} FROM rm.people p WHERE p.tenant = $1 AND p.person_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return TypedResults.Problem("The ledger has no record of you.", statusCode: StatusCodes.Status403Forbidden);
        }
        var (sealedName, roles) = (reader.GetString(0), reader.GetFieldValue<string[]>(1));
        return TypedResults.Ok(new MeView(urn, personId, await vault.OpenAsync(urn, sealedName, ct) ?? ListPeople.Erased, roles));
    }

    /// <summary>Development only: sign in as any enrolled person of any school.</summary>
    static async Task<Results<RedirectHttpResult, ProblemHttpResult>> SignInAs(HttpContext http, NpgsqlDataSource dataSource, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment())
        {
            return TypedResults.Problem("Development sign-in is off.", statusCode: StatusCodes.Status404NotFound);
        }
        // The page posts a form; anything else (JSON, no body) is the caller's mistake, not a 500.
        if (!http.Request.HasFormContentType)
        {
            return TypedResults.Problem("Post the form fields urn and personId (application/x-www-form-urlencoded), as the page at /dev/sign-in does.",
                title: "Unsupported content type", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (!Urn.IsValid(form["urn"]) || !Guid.TryParse(form["personId"], out var personId)
            || await SchoolAccess.CurrentRolesAsync(dataSource, form["urn"]!, personId, http.RequestAborted) is null)
        {
            return TypedResults.Problem("Choose a current person of a school.", statusCode: StatusCodes.Status400BadRequest);
        }
        await http.SignInAsync(Scheme, await Sessions.StartAsync(dataSource, form["urn"]!, personId, Scheme, http.RequestAborted));
        return TypedResults.Redirect("/");
    }

    static async Task<RazorComponentResult<DemoSignInPage>> Page(NpgsqlDataSource dataSource, PersonalDataVault vault, CancellationToken ct)
    {
        var schools = (await DemoPeopleAsync(dataSource, vault, ct))
            .Select(s => new DemoSignInPage.DemoSchool(s.Urn, s.Name, [.. s.People.Select(p => new DemoSignInPage.DemoPerson(p.Id, p.Name, p.Roles))]))
            .ToList();
        return new RazorComponentResult<DemoSignInPage>(new { Schools = schools });
    }

    /// <summary>A person to act as, and the email they sign in with (null: none recorded, or erased).</summary>
    public sealed record PersonToChoose(Guid Id, string Name, IReadOnlyList<string> Roles, string? Email);

    public sealed record PeopleOfSchool(string Urn, string Name, IReadOnlyList<PersonToChoose> People);

    /// <summary>The current people of every school, for /dev/sign-in and the local provider's page.</summary>
    internal static async Task<IReadOnlyList<PeopleOfSchool>> DemoPeopleAsync(NpgsqlDataSource dataSource, PersonalDataVault vault, CancellationToken ct)
    {
        var people = new List<(string Urn, string School, Guid Id, string Sealed, string[] Roles, string? SealedEmail)>();
        await using (var command = dataSource.CreateCommand("""
            SELECT p.tenant, COALESCE(s.name, p.tenant), p.person_id, p.sealed_name, p.roles, e.sealed_email FROM rm.people p
              LEFT JOIN rm.schools s ON s.tenant = p.tenant
              LEFT JOIN rm.sign_in_emails e ON e.tenant = p.tenant AND e.person_id = p.person_id
             WHERE p.left_on IS NULL ORDER BY p.tenant, p.roles[1], p.person_id LIMIT 400
            """))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                people.Add((reader.GetString(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetFieldValue<string[]>(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5)));
            }
        }
        var schools = new List<PeopleOfSchool>();
        foreach (var school in people.GroupBy(p => (p.Urn, p.School)))
        {
            var opened = await vault.OpenAsync(school.Key.Urn, school.SelectMany(p => p.SealedEmail is null ? [p.Sealed] : new[] { p.Sealed, p.SealedEmail }), ct);
            schools.Add(new(school.Key.Urn, school.Key.School,
                [.. school.Select(p => new PersonToChoose(p.Id, opened[p.Sealed] ?? ListPeople.Erased, p.Roles, p.SealedEmail is null ? null : opened[p.SealedEmail]))]));
        }
        return schools;
    }
}
