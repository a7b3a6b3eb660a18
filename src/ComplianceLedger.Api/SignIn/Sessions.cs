using System.Security.Claims;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Npgsql;

namespace ComplianceLedger.Api.SignIn;

/// <summary>
/// Server-side sessions (<c>ledger.sessions</c>): the cookie carries a session id, and every
/// request checks it, together with the person's membership, in one lookup. Signing out deletes
/// that session only (other browsers of the same person stay signed in); a person whose leaving
/// date has come is refused and all their sessions are deleted. A session lives at most
/// <see cref="LongestLife"/> from sign-in, and the cookie lapses after 8 hours unused.
/// </summary>
public static class Sessions
{
    public const string SessionClaim = "sid";

    /// <summary>However active, a session ends this long after sign-in; older rows are pruned.</summary>
    public static readonly TimeSpan LongestLife = TimeSpan.FromDays(7);

    /// <summary>Records a new session for the person and returns the principal the cookie carries.</summary>
    public static async Task<ClaimsPrincipal> StartAsync(NpgsqlDataSource dataSource, string urn, Guid personId, string scheme, CancellationToken ct)
    {
        var sessionId = Guid.CreateVersion7();
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("INSERT INTO ledger.sessions (session_id, tenant, person_id) VALUES ($1, $2, $3)",
            sessionId, urn, personId));
        batch.BatchCommands.Add(Command("DELETE FROM ledger.sessions WHERE signed_in_at < now() - $1::interval", LongestLife));
        await batch.ExecuteNonQueryAsync(ct);
        var principal = SchoolMember.Principal(urn, personId, scheme);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(SessionClaim, sessionId.ToString("D")));
        return principal;
    }

    /// <summary>Ends the session the request's cookie names (if any); the person's other sessions stay.</summary>
    public static async Task EndAsync(NpgsqlDataSource dataSource, ClaimsPrincipal user, CancellationToken ct)
    {
        if (Guid.TryParse(user.FindFirstValue(SessionClaim), out var sessionId))
        {
            await using var command = dataSource.CreateCommand("DELETE FROM ledger.sessions WHERE session_id = $1");
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = sessionId });
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Why a cookie was refused, for the 401's wording.</summary>
    internal enum Refusal { Ended, Left }

    /// <summary>
    /// The cookie handler's check on every request: the session must still exist and the person
    /// must still be at the school (per the ledger). The roles read here are handed to the
    /// school membership check, so a request costs one lookup.
    /// </summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var user = context.Principal!;
        var urn = user.FindFirstValue(SchoolMember.SchoolClaim);
        if (urn is null || !Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var personId)
            || !Guid.TryParse(user.FindFirstValue(SessionClaim), out var sessionId))
        {
            Reject(context, Refusal.Ended);
            return;
        }
        var dataSource = http.RequestServices.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand($"""
            SELECT {SchoolAccess.RolesTodaySql}, p.person_id IS NOT NULL AND (p.left_on IS NULL OR p.left_on > {SchoolDay.TodaySql})
              FROM ledger.sessions s LEFT JOIN rm.people p ON p.tenant = s.tenant AND p.person_id = s.person_id
             WHERE s.session_id = $1 AND s.tenant = $2 AND s.person_id = $3 AND s.signed_in_at >= now() - $4::interval
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = sessionId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = LongestLife });
        string[]? roles = null;
        bool? present = null;
        await using (var reader = await command.ExecuteReaderAsync(http.RequestAborted))
        {
            if (await reader.ReadAsync(http.RequestAborted))
            {
                present = reader.GetBoolean(1);
                roles = present.Value ? reader.GetFieldValue<string[]>(0) : null;
            }
        }
        if (present is null)
        {
            Reject(context, Refusal.Ended);
            return;
        }
        if (roles is null)
        {
            // Their leaving date has come: no session of theirs may outlive it.
            await using var revoke = dataSource.CreateCommand("DELETE FROM ledger.sessions WHERE tenant = $1 AND person_id = $2");
            revoke.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            revoke.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
            await revoke.ExecuteNonQueryAsync(http.RequestAborted);
            Reject(context, Refusal.Left);
            return;
        }
        http.Features.Set(new SignedInMember(urn, personId, roles));
    }

    /// <summary>The school and roles the session check read for this request.</summary>
    internal sealed record SignedInMember(string Urn, Guid PersonId, IReadOnlyList<string> RoleNames);

    static void Reject(CookieValidatePrincipalContext context, Refusal why)
    {
        context.RejectPrincipal();
        context.HttpContext.Items[typeof(Refusal)] = why;
        // A refused cookie is of no further use to the browser.
        context.HttpContext.Response.Cookies.Delete(context.Options.Cookie.Name!);
    }

    /// <summary>The 401 for a request without a valid session, in words that say what happened.</summary>
    internal static Task WriteUnauthorizedAsync(HttpContext http)
    {
        var detail = http.Items[typeof(Refusal)] switch
        {
            Refusal.Left => "The ledger records that you have left this school, so your sessions have ended.",
            Refusal.Ended => "Your session has ended (you signed out, or it expired): sign in again.",
            _ => "Sign in first.",
        };
        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return TypedResults.Problem(detail, title: "Not signed in", statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(http);
    }

    static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return command;
    }
}
