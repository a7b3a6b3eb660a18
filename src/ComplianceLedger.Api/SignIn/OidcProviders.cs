using System.Security.Claims;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace ComplianceLedger.Api.SignIn;

/// <summary>
/// The OpenID providers people sign in with, from <c>SignIn:Providers:{name}</c> (Kind Local,
/// Entra or Google; Authority, TenantId, ClientId, ClientSecret, DisplayName, Trusts, Schools),
/// plus the local provider when it is on. Each is an OIDC scheme <c>oidc-{name}</c>: code flow,
/// query response mode, PKCE, callback <c>/signin-oidc/{name}</c>. The ticket is never kept:
/// <see cref="ResolveAsync"/> finds the person by verified email and signs them in with a
/// session from <see cref="Sessions.StartAsync"/>, exactly as every other sign-in does.
/// </summary>
public static class OidcProviders
{
    public enum Kind { Local, Entra, Google }

    public sealed record Provider(
        string Name, Kind Kind, string DisplayName, string Authority, string? TenantId, string ClientId, string? ClientSecret,
        IReadOnlyList<string> Trusts, IReadOnlyList<string> Schools);

    public static string SchemeOf(string name) => $"oidc-{name}";

    public static IReadOnlyList<Provider> Configured(IConfiguration configuration)
    {
        var providers = new List<Provider>();
        if (LocalProvider.LocalProvider.Enabled(configuration))
        {
            providers.Add(new(LocalProvider.LocalProvider.Name, Kind.Local, "Sign in as a demo person (local provider)",
                LocalProvider.LocalProvider.Authority(configuration).AbsoluteUri, null, LocalProvider.LocalProvider.ClientId,
                LocalProvider.LocalProvider.ClientSecret, [], []));
        }
        foreach (var section in configuration.GetSection("SignIn:Providers").GetChildren())
        {
            var kind = Enum.Parse<Kind>(section["Kind"] ?? throw new InvalidOperationException($"SignIn:Providers:{section.Key}:Kind is missing."), ignoreCase: true);
            providers.Add(new(section.Key, kind, section["DisplayName"] ?? $"Sign in with {kind}",
                section["Authority"] ?? throw new InvalidOperationException($"SignIn:Providers:{section.Key}:Authority is missing."),
                section["TenantId"], section["ClientId"] ?? throw new InvalidOperationException($"SignIn:Providers:{section.Key}:ClientId is missing."),
                section["ClientSecret"], section.GetSection("Trusts").Get<string[]>() ?? [], section.GetSection("Schools").Get<string[]>() ?? []));
        }
        return providers;
    }

    public static AuthenticationBuilder AddLedgerProviders(this AuthenticationBuilder authentication, IConfiguration configuration)
    {
        var secure = configuration.GetValue("SignIn:Cookies:Secure", true) ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        foreach (var provider in Configured(configuration))
        {
            authentication.AddOpenIdConnect(SchemeOf(provider.Name), provider.DisplayName, options =>
            {
                options.Authority = provider.Authority;
                options.ClientId = provider.ClientId;
                options.ClientSecret = provider.ClientSecret;
                options.ResponseType = "code";
                // No cross-site form post: Lax cookies suffice, and no auto-submitting script under our CSP.
                options.ResponseMode = "query";
                options.UsePkce = true;
                options.MapInboundClaims = false;
                options.CallbackPath = $"/signin-oidc/{provider.Name}";
                options.SignInScheme = SignInEndpoints.Scheme;
                options.RequireHttpsMetadata = provider.Kind != Kind.Local;
                options.SaveTokens = false;
                options.Scope.Add("email");
                options.CorrelationCookie.SameSite = SameSiteMode.Lax;
                options.CorrelationCookie.SecurePolicy = secure;
                options.NonceCookie.SameSite = SameSiteMode.Lax;
                options.NonceCookie.SecurePolicy = secure;
                options.Events.OnTicketReceived = context => ResolveAsync(context, provider);
            });
        }
        return authentication;
    }

    /// <summary>The address the provider vouches for, by its own rules; null when it does not.</summary>
    internal static string? VerifiedEmail(ClaimsPrincipal user, Provider provider)
    {
        var email = user.FindFirstValue("email");
        var verified = provider.Kind switch
        {
            Kind.Local => IsTrue(user.FindFirstValue("email_verified")),
            // Google: verified, and a Workspace account (hd) rather than a personal one.
            Kind.Google => IsTrue(user.FindFirstValue("email_verified")) && user.FindFirstValue("hd") is { Length: > 0 },
            // Entra has no email_verified, and its email claim is editable: the tenant must be the
            // school's, and the optional claim xms_edov must say the domain is verified.
            Kind.Entra => provider.TenantId is { } tenant && string.Equals(user.FindFirstValue("tid"), tenant, StringComparison.OrdinalIgnoreCase)
                && IsTrue(user.FindFirstValue("xms_edov")),
            _ => false,
        };
        return verified && SignInEmails.IsValid(email) ? email : null;
    }

    static bool IsTrue(string? value) => value is "true" or "True" or "1";

    const string UnknownPurpose = "ComplianceLedger.SignIn.Unknown";

    /// <summary>
    /// The person whose sign-in email this is, at a school this provider may sign people in for,
    /// still there: signed in with a new session. An address of a current person at several such
    /// schools goes to <see cref="SchoolChoice"/> first. Anyone else sees the unknown page, and nothing is made.
    /// </summary>
    static async Task ResolveAsync(TicketReceivedContext context, Provider provider)
    {
        var http = context.HttpContext;
        var dataSource = http.RequestServices.GetRequiredService<NpgsqlDataSource>();
        var vault = http.RequestServices.GetRequiredService<PersonalDataVault>();
        var email = VerifiedEmail(context.Principal!, provider);
        var matches = new List<(string Urn, Guid PersonId)>();
        if (email is not null)
        {
            await using var command = dataSource.CreateCommand($"""
                SELECT e.tenant, e.person_id, e.sealed_email, COALESCE(s.email_domains, ARRAY[]::text[])
                  FROM rm.sign_in_emails e
                  JOIN rm.people p ON p.tenant = e.tenant AND p.person_id = e.person_id
                  LEFT JOIN rm.schools s ON s.tenant = e.tenant
                 WHERE e.email_index = $1 AND (p.left_on IS NULL OR p.left_on > {ComplianceLedger.EventStore.SchoolDay.TodaySql})
                   AND (cardinality($2::text[]) = 0 OR s.trust_id = ANY ($2))
                   AND (cardinality($3::text[]) = 0 OR e.tenant = ANY ($3))
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = http.RequestServices.GetRequiredService<SignInEmails>().Index(email) });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. provider.Trusts] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. provider.Schools] });
            var rows = new List<(string Urn, Guid PersonId, string Sealed, string[] Domains)>();
            await using (var reader = await command.ExecuteReaderAsync(http.RequestAborted))
            {
                while (await reader.ReadAsync(http.RequestAborted))
                {
                    rows.Add((reader.GetString(0), reader.GetGuid(1), reader.GetString(2), reader.GetFieldValue<string[]>(3)));
                }
            }
            var hd = context.Principal!.FindFirstValue("hd");
            foreach (var row in rows)
            {
                // The address must still open (an erased person's does not) and be the very one.
                if (await vault.OpenAsync(row.Urn, row.Sealed, http.RequestAborted) == SignInEmails.Normalise(email)
                    && (provider.Kind != Kind.Google || row.Domains.Contains(hd, StringComparer.OrdinalIgnoreCase)))
                {
                    matches.Add((row.Urn, row.PersonId));
                }
            }
        }
        if (matches.Count > 1)
        {
            // One address, a current person at several schools: no session until they choose one.
            context.HandleResponse();
            SchoolChoice.Offer(http, email!, LocalReturnUrl(context.ReturnUri), [.. matches.Select(m => new SchoolChoice.Candidate(m.Urn, m.PersonId))]);
            context.Response.Redirect(SchoolChoice.Path);
            return;
        }
        if (matches.Count == 0)
        {
            context.HandleResponse();
            var protector = http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(UnknownPurpose);
            var query = email is null ? "" : $"?e={Uri.EscapeDataString(protector.Protect(email))}";
            context.Response.Redirect($"/sign-in/unknown{query}");
            return;
        }
        context.Principal = await Sessions.StartAsync(dataSource, matches[0].Urn, matches[0].PersonId, SignInEndpoints.Scheme, http.RequestAborted);
    }

    /// <summary>The address the unknown page names, from its protected query value (null when there is none or it was tampered with).</summary>
    internal static string? UnprotectEmail(HttpContext http, string? protectedEmail)
    {
        if (string.IsNullOrEmpty(protectedEmail))
        {
            return null;
        }
        try
        {
            return http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(UnknownPurpose).Unprotect(protectedEmail);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Only a path of this site: never an address elsewhere.</summary>
    internal static string LocalReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";
}
