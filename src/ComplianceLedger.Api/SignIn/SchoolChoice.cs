using System.Security.Cryptography;
using System.Text.Json;
using ComplianceLedger.Api.Compliance.Pages;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.SignIn.Pages;
using ComplianceLedger.Api.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ComplianceLedger.Api.SignIn;

/// <summary>
/// "Which school do you want to sign in to?": a provider's verified address that names a current
/// person at several schools (a teacher of two schools of a trust, a governor of two) starts no
/// session until the person chooses one, and then a session for that school alone. The schools
/// offered travel in a cookie that is data-protected (the browser can neither read nor change them)
/// and lapses after <see cref="Life"/>; a choice of any other school, or a cookie that does not
/// open, signs nobody in.
/// </summary>
public static class SchoolChoice
{
    public const string Path = "/sign-in/choose-school";

    internal const string CookieName = "ledger.choice";

    internal const string Purpose = "ComplianceLedger.SignIn.SchoolChoice";

    /// <summary>Long enough to read two school names, short enough that a forgotten tab is no way in.</summary>
    public static readonly TimeSpan Life = TimeSpan.FromMinutes(5);

    /// <summary>A person the address names, at one school.</summary>
    public sealed record Candidate(string Urn, Guid PersonId);

    /// <summary>What the cookie holds: the address, where to land, and the schools to choose from.</summary>
    sealed record Offered(string Email, string ReturnUrl, IReadOnlyList<Candidate> Candidates);

    static ITimeLimitedDataProtector Protector(HttpContext http) =>
        http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).ToTimeLimitedDataProtector();

    /// <summary>Keeps the candidates for the choice page, protected and short-lived, in this browser only.</summary>
    internal static void Offer(HttpContext http, string email, string returnUrl, IReadOnlyList<Candidate> candidates)
    {
        var value = Protector(http).Protect(JsonSerializer.Serialize(new Offered(email, returnUrl, candidates)), Life);
        http.Response.Cookies.Append(CookieName, value, CookieOptions(http));
    }

    static CookieOptions CookieOptions(HttpContext http)
    {
        // Secure exactly when the session cookie is (tests run over http with SignIn:Cookies:Secure=false).
        var policy = http.RequestServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(SignInEndpoints.Scheme).Cookie.SecurePolicy;
        return new CookieOptions
        {
            Path = Path,
            HttpOnly = true,
            // Lax: the provider's redirect back is a top-level navigation from its site.
            SameSite = SameSiteMode.Lax,
            Secure = policy == CookieSecurePolicy.Always || (policy == CookieSecurePolicy.SameAsRequest && http.Request.IsHttps),
            MaxAge = Life,
            IsEssential = true,
        };
    }

    /// <summary>The offer this browser holds; null when there is none, it has lapsed, or it was altered.</summary>
    static Offered? Read(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<Offered>(Protector(http).Unprotect(value)) is { Candidates.Count: > 0 } offered ? offered : null;
        }
        catch (Exception e) when (e is CryptographicException or JsonException)
        {
            return null;
        }
    }

    public static IEndpointRouteBuilder MapSchoolChoice(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, ShowAsync).AsPage();
        app.MapPost(Path, ChooseAsync).AsPage();
        return app;
    }

    /// <summary>The form's one field; a property, so that choosing nothing binds (to null) rather than failing.</summary>
    public sealed record ChoiceForm
    {
        public string? School { get; init; }
    }

    static async Task<IResult> ShowAsync(HttpContext http, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        if (Read(http) is not { } offered)
        {
            return NotSignedIn(http, lapsed: true);
        }
        var schools = await SchoolsAsync(dataSource, offered, ct);
        return schools.Count == 0 ? NotSignedIn(http, lapsed: false) : Page(offered, schools, []);
    }

    static async Task<IResult> ChooseAsync(HttpContext http, [FromForm] ChoiceForm? sent, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var form = sent ?? new();
        if (Read(http) is not { } offered)
        {
            return NotSignedIn(http, lapsed: true);
        }
        if (PageForms.Text(form.School) is not { } urn)
        {
            var schools = await SchoolsAsync(dataSource, offered, ct);
            return schools.Count == 0
                ? NotSignedIn(http, lapsed: false)
                : Page(offered, schools, [new FieldError("school", "Select the school you want to sign in to")], StatusCodes.Status400BadRequest);
        }
        // Only a school offered, and only while the person is still there.
        if (offered.Candidates.FirstOrDefault(c => c.Urn == urn) is not { } chosen
            || await SchoolAccess.CurrentRolesAsync(dataSource, chosen.Urn, chosen.PersonId, ct) is null)
        {
            return NotSignedIn(http, lapsed: false);
        }
        http.Response.Cookies.Delete(CookieName, CookieOptions(http));
        await http.SignInAsync(SignInEndpoints.Scheme, await Sessions.StartAsync(dataSource, chosen.Urn, chosen.PersonId, SignInEndpoints.Scheme, ct));
        return new SignInEndpoints.SeeOther(OidcProviders.LocalReturnUrl(offered.ReturnUrl));
    }

    /// <summary>The schools of the offer where the person is still current, with their roles there today, by school name.</summary>
    static async Task<IReadOnlyList<ChooseSchoolPage.School>> SchoolsAsync(NpgsqlDataSource dataSource, Offered offered, CancellationToken ct)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand("SELECT tenant, name FROM rm.schools WHERE tenant = ANY ($1)"))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. offered.Candidates.Select(c => c.Urn)] });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                names[reader.GetString(0)] = reader.GetString(1);
            }
        }
        var schools = new List<ChooseSchoolPage.School>();
        foreach (var candidate in offered.Candidates)
        {
            if (await SchoolAccess.CurrentRolesAsync(dataSource, candidate.Urn, candidate.PersonId, ct) is { } roles)
            {
                schools.Add(new(candidate.Urn, names.GetValueOrDefault(candidate.Urn, $"School {candidate.Urn}"),
                    [.. roles.Order().Select(r => ComplianceWords.Role(Roles.Name(r)))]));
            }
        }
        return [.. schools.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Urn, StringComparer.Ordinal)];
    }

    static RazorComponentResult<ChooseSchoolPage> Page(Offered offered, IReadOnlyList<ChooseSchoolPage.School> schools, IReadOnlyList<FieldError> errors,
        int status = StatusCodes.Status200OK) =>
        new(new { offered.Email, Schools = schools, Errors = errors }) { StatusCode = status };

    /// <summary>No session: the offer has lapsed or does not open, or the choice is not one offered.</summary>
    static RazorComponentResult<SchoolChoiceRefusedPage> NotSignedIn(HttpContext http, bool lapsed)
    {
        http.Response.Cookies.Delete(CookieName, CookieOptions(http));
        return new(new { Lapsed = lapsed }) { StatusCode = StatusCodes.Status400BadRequest };
    }
}
