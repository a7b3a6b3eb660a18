using System.Security.Claims;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Schools;

/// <summary>
/// Guards everything under <c>/api/schools/{urn}</c>: signed in (401), a member of that very
/// school (else 404: another school's records do not exist for you), still there (403), and
/// holding one of the endpoint's roles (403). Roles come from the ledger, read per request,
/// so a role change or leaving takes effect at once. A trust leader reads (GET) what is marked
/// <see cref="ReadableByTrustLeaders"/> at every school of their trust whatever the endpoint's roles,
/// and nothing else at a school they are not at (403).
/// </summary>
public static class SchoolAccess
{
    public static RouteGroupBuilder MapSchool(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api/schools/{urn}").WithMetadata(new SchoolScoped()).RequireAuthorization();

    /// <summary>The school's pages, <c>/schools/{urn}/…</c>, guarded as its API routes are (not in the API's description).</summary>
    public static RouteGroupBuilder MapSchoolPages(this IEndpointRouteBuilder app) =>
        app.MapGroup("/schools/{urn}").WithMetadata(new SchoolScoped()).RequireAuthorization().AsPage();

    /// <summary>Resolves the school member before parameters bind, so handlers and filters can rely on it.</summary>
    public static IApplicationBuilder UseSchoolMembership(this IApplicationBuilder app) => app.UseMiddleware<MembershipMiddleware>();

    sealed class SchoolScoped;


    sealed class TrustReadable;

    /// <summary>
    /// A read a trust leader may make at every school of the trust, whatever its roles: the
    /// dashboards, registers, policies and audit trail. Nothing else (the raw events, the approvals
    /// queue, staff's own declarations) is theirs to read.
    /// </summary>
    public static TBuilder ReadableByTrustLeaders<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new TrustReadable());

    static bool IsTrustReadable(HttpContext http) =>
        ReadsOnly(http.Request.Method) && http.GetEndpoint()?.Metadata.GetMetadata<TrustReadable>() is not null;

    /// <summary>Only these roles may call the endpoint.</summary>
    public static TBuilder RequireRoles<TBuilder>(this TBuilder builder, params Role[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var member = context.HttpContext.Features.Get<SchoolMember>()!;
            // A trust leader reads what is marked for them at every school of the trust; decisions keep their roles.
            return member.Holds(roles) || (member.ReadsForTrust && IsTrustReadable(context.HttpContext))
                ? await next(context)
                : Problem(StatusCodes.Status403Forbidden, "Not permitted for your role",
                    $"This needs one of: {string.Join(", ", roles.Select(Roles.Name))}.");
        });

    static bool ReadsOnly(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);

    static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, title: title, statusCode: status);

    sealed class MembershipMiddleware(RequestDelegate next)
    {
        public async Task InvokeAsync(HttpContext http, NpgsqlDataSource dataSource)
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<SchoolScoped>() is null || http.User.Identity?.IsAuthenticated != true)
            {
                await next(http);
                return;
            }
            var urn = http.GetRouteValue("urn") as string;
            ProblemHttpResult? refusal = null;
            if (!Urn.IsValid(urn))
            {
                refusal = Problem(StatusCodes.Status400BadRequest, "The school is missing or unknown", $"\"{Hosting.ProblemWords.Echo(urn)}\" is not a school URN (six digits).");
            }
            else if (http.User.FindFirstValue(SchoolMember.SchoolClaim) is not { } home
                || !Guid.TryParse(http.User.FindFirstValue(ClaimTypes.NameIdentifier), out var personId))
            {
                refusal = Problem(StatusCodes.Status404NotFound, "No such school", $"You have no school {Hosting.ProblemWords.Echo(urn)}.");
            }
            else if (home != urn)
            {
                // A leader of the school's trust reads it; anyone else sees nothing there.
                if (!await Trusts.TrustLeadership.LeadsTrustOfSchoolAsync(dataSource, home, personId, urn!, http.RequestAborted))
                {
                    refusal = Problem(StatusCodes.Status404NotFound, "No such school", $"You have no school {urn}.");
                }
                else if (!IsTrustReadable(http))
                {
                    refusal = Problem(StatusCodes.Status403Forbidden, "Trust leaders read, the school decides",
                        $"As a leader of its trust you can read school {urn}'s dashboards, registers, policies and audit trail, "
                        + "but only the school's own people can record anything there or read staff's own records.");
                }
                else
                {
                    http.Features.Set(new SchoolMember(urn!, personId, new HashSet<Role>(), Visiting: true));
                }
            }
            else if (await RolesAsync(http, dataSource, urn!, personId) is not { } roles)
            {
                refusal = Problem(StatusCodes.Status403Forbidden, "No longer at this school", "The ledger records that you have left or were never enrolled.");
            }
            else
            {
                http.Features.Set(new SchoolMember(urn!, personId, roles));
            }
            if (refusal is not null)
            {
                await refusal.ExecuteAsync(http);
                return;
            }
            await next(http);
        }
    }

    // The session check has usually read the roles already (one lookup per request); read them
    // here only when it did not.
    static async Task<IReadOnlySet<Role>?> RolesAsync(HttpContext http, NpgsqlDataSource dataSource, string urn, Guid personId) =>
        http.Features.Get<SignIn.Sessions.SignedInMember>() is { } signedIn && signedIn.Urn == urn && signedIn.PersonId == personId
            ? signedIn.RoleNames.Select(RoleNamed).ToHashSet()
            : await CurrentRolesAsync(dataSource, urn, personId, http.RequestAborted);

    /// <summary>
    /// The roles of the person row <c>p</c> (<c>rm.people</c>) in effect today: a role change counts
    /// from its effective date; before their first role starts, the roles they were enrolled with.
    /// </summary>
    public static readonly string RolesTodaySql = PeopleSql.RolesOn(SchoolDay.TodaySql);


    /// <summary>The person's roles today, or null when they are not (or no longer) at the school.</summary>
    /// <remarks>A role change counts from its effective date, not from when it was recorded.</remarks>
    public static async Task<IReadOnlySet<Role>?> CurrentRolesAsync(NpgsqlDataSource dataSource, string urn, Guid personId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {RolesTodaySql}
              FROM rm.people p WHERE p.tenant = $1 AND p.person_id = $2 AND (p.left_on IS NULL OR p.left_on > {SchoolDay.TodaySql})
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
        return await command.ExecuteScalarAsync(ct) is string[] names
            ? names.Select(RoleNamed).ToHashSet()
            : null;
    }

    // Every request reads roles by name; the names are few, so each is parsed once.
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Role> ByName = new(StringComparer.Ordinal);

    static Role RoleNamed(string name) =>
        ByName.GetOrAdd(name, n => JsonSerializer.Deserialize<Role>($"\"{n}\"", Ledger.EventTypes.Json));
}
