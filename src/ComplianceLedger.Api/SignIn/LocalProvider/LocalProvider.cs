using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using ComplianceLedger.Api.Credentials;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace ComplianceLedger.Api.SignIn.LocalProvider;

/// <summary>
/// A local OpenID provider in the app, under <c>/local-idp</c>, so that Development and docker
/// compose sign people in through the same OIDC code path as a school's Entra or Google: its
/// authorize page lets you choose a demo person, and the app's own OIDC client (provider
/// <c>local</c>) takes the id_token. OpenIddict in degraded mode (no stores): it has one client,
/// checked by our own handlers (client id, redirect URI, secret compared in fixed time), PKCE,
/// ephemeral keys, and no replay detection of codes, which is why it is only ever on where
/// <c>SignIn:Local:Enabled</c> says so (docs/decisions.md). Off, <c>/local-idp</c> does not exist.
/// The page's choice is a form like every other page's: it carries an antiforgery token, checked
/// here, so another site cannot post a choice and sign the browser in as someone of its choosing.
/// </summary>
public static partial class LocalProvider
{
    public const string Name = "local";
    public const string ClientId = "compliance-ledger";

    /// <summary>Both ends are this process, so the secret is made per process.</summary>
    internal static readonly string ClientSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>OIDC's random-by-design fields: exempt from the secret guard here, and only here.</summary>
    internal static readonly string[] ProtocolFields = ["state", "nonce", "code_challenge"];

    public static bool Enabled(IConfiguration configuration) => configuration.GetValue("SignIn:Local:Enabled", false);

    /// <summary>The issuer, as the browser reaches it (ending in /).</summary>
    public static Uri Authority(IConfiguration configuration)
    {
        var authority = configuration["SignIn:Local:Authority"] ?? "http://localhost:5075/local-idp/";
        return new Uri(authority.EndsWith('/') ? authority : authority + "/");
    }

    public static Uri RedirectUri(IConfiguration configuration) => new(Authority(configuration), $"/signin-oidc/{Name}");

    public static WebApplicationBuilder AddLocalProvider(this WebApplicationBuilder builder)
    {
        if (!Enabled(builder.Configuration))
        {
            return builder;
        }
        var authority = Authority(builder.Configuration);
        var redirect = RedirectUri(builder.Configuration).AbsoluteUri;
        builder.Services.AddOpenIddict().AddServer(options =>
        {
            options.SetIssuer(authority);
            options.SetAuthorizationEndpointUris(new Uri(authority, "authorize"));
            options.SetTokenEndpointUris(new Uri(authority, "token"));
            options.SetConfigurationEndpointUris(new Uri(authority, ".well-known/openid-configuration"));
            options.SetJsonWebKeySetEndpointUris(new Uri(authority, ".well-known/jwks"));
            options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            options.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile);
            options.AddEphemeralSigningKey().AddEphemeralEncryptionKey();
            options.EnableDegradedMode();
            options.UseAspNetCore().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            // Degraded mode checks no client: these are the checks.
            options.AddEventHandler<ValidateAuthorizationRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (!string.Equals(context.ClientId, ClientId, StringComparison.Ordinal))
                {
                    context.Reject(error: Errors.InvalidClient, description: "Unknown client.");
                }
                else if (!string.Equals(context.RedirectUri, redirect, StringComparison.Ordinal))
                {
                    context.Reject(error: Errors.InvalidRequest, description: "Unknown redirect_uri.");
                }
                return default;
            }));
            options.AddEventHandler<ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (!string.Equals(context.ClientId, ClientId, StringComparison.Ordinal) || context.ClientSecret is not { } secret
                    || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(ClientSecret)))
                {
                    context.Reject(error: Errors.InvalidClient, description: "Unknown client or wrong secret.");
                }
                return default;
            }));
        });
        return builder;
    }

    /// <summary>
    /// Before authentication: the provider reads its form there, so the body is kept rewindable
    /// for the secret guard to read it again (else the guard would see an empty body).
    /// </summary>
    public static IApplicationBuilder UseLocalProvider(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/local-idp"))
        {
            http.Request.EnableBuffering();
        }
        return next(http);
    });

    public static IEndpointRouteBuilder MapLocalProvider(this IEndpointRouteBuilder app, IConfiguration configuration, ILogger logger, IHostEnvironment environment)
    {
        if (!Enabled(configuration))
        {
            return app;
        }
        if (!environment.IsDevelopment())
        {
            LogOnOutsideDevelopment(logger);
        }
        // The framework's antiforgery check is off here because it only marks a request that fails
        // and OpenIddict has read the form before it; AuthorizeAsync checks the token itself. A page:
        // its refusals read as pages.
        app.MapMethods(new Uri(Authority(configuration), "authorize").AbsolutePath, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync)
            .AsPage().DisableAntiforgery()
            .WithMetadata(new SecretGuard.ExemptFormFields(ProtocolFields));
        return app;
    }

    [LoggerMessage(LogLevel.Warning, "The local OpenID provider is on (SignIn:Local:Enabled) outside Development: anyone can sign in as anyone. Only for docker compose demos")]
    static partial void LogOnOutsideDevelopment(ILogger logger);

    static async Task<IResult> AuthorizeAsync(
        HttpContext http, NpgsqlDataSource dataSource, PersonalDataVault vault, IAntiforgery antiforgery,
        Microsoft.Extensions.Options.IOptions<AntiforgeryOptions> antiforgeryOptions, CancellationToken ct)
    {
        if (http.GetOpenIddictServerRequest() is not { } request)
        {
            return TypedResults.Problem("Not an OpenID Connect authorization request.", statusCode: StatusCodes.Status400BadRequest);
        }
        // Only the page's own form posts here (the app's client sends the browser with a GET).
        if (HttpMethods.IsPost(http.Request.Method) && !await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.Problem(
                "The page was open for a long time, in another window, or was not this service's. No one was signed in: go back to the sign-in page and choose again.",
                title: "This form has expired", statusCode: StatusCodes.Status400BadRequest);
        }
        if (HttpMethods.IsPost(http.Request.Method) && request.GetParameter("person")?.ToString() is { } chosen
            && chosen.Split('/') is [var urn, var id] && Urn.IsValid(urn) && Guid.TryParse(id, out var personId)
            && await SchoolAccess.CurrentRolesAsync(dataSource, urn, personId, ct) is not null)
        {
            var person = (await SignInEndpoints.DemoPeopleAsync(dataSource, vault, ct)).SelectMany(s => s.People.Select(p => (School: s, Person: p)))
                .FirstOrDefault(x => x.School.Urn == urn && x.Person.Id == personId);
            if (person.Person?.Email is { } email)
            {
                var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
                identity.AddClaim(new Claim(Claims.Subject, personId.ToString("D")));
                identity.AddClaim(new Claim(Claims.Email, email));
                identity.AddClaim(new Claim(Claims.EmailVerified, "true", ClaimValueTypes.Boolean));
                identity.AddClaim(new Claim(Claims.Name, person.Person.Name));
                identity.SetDestinations(_ => [Destinations.IdentityToken, Destinations.AccessToken]);
                var principal = new ClaimsPrincipal(identity);
                principal.SetScopes(request.GetScopes());
                return Results.SignIn(principal, null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            }
        }
        var token = antiforgeryOptions.Value.FormFieldName;
        var parameters = request.GetParameters()
            .Where(p => p.Key != "person" && p.Key != token)
            .Select(p => new KeyValuePair<string, string>(p.Key, p.Value.ToString() ?? ""))
            .ToList();
        return new RazorComponentResult<ChooseDemoPersonPage>(new
        {
            Schools = await SignInEndpoints.DemoPeopleAsync(dataSource, vault, ct),
            Action = http.Request.Path.Value!,
            Parameters = parameters,
        });
    }
}
