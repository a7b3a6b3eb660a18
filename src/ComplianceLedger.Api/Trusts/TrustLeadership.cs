using System.Security.Claims;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using Npgsql;

namespace ComplianceLedger.Api.Trusts;

/// <summary>
/// Who leads a trust: a person holding the trust-leader role today at one of its schools (their
/// home school, the one they signed in at). Read from the ledger on every request, like roles.
/// </summary>
public static class TrustLeadership
{
    /// <summary>Whether the person leads the trust that <paramref name="urn"/> belongs to (and their home school belongs to too).</summary>
    public static async Task<bool> LeadsTrustOfSchoolAsync(NpgsqlDataSource dataSource, string home, Guid personId, string urn, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT EXISTS (SELECT 1 FROM rm.schools h JOIN rm.schools s ON s.trust_id = h.trust_id WHERE h.tenant = $1 AND s.tenant = $2)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = home });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return await command.ExecuteScalarAsync(ct) is true && await HoldsTrustLeaderAsync(dataSource, home, personId, ct);
    }

    /// <summary>
    /// The signed-in person as a leader of <paramref name="trustId"/> (their home school is one of its
    /// schools and they hold the role there today), with the trust's name; null when they are not.
    /// </summary>
    public static async Task<(string Home, Guid PersonId, string? TrustName)?> LeaderAsync(
        NpgsqlDataSource dataSource, ClaimsPrincipal user, string trustId, CancellationToken ct)
    {
        if (user.FindFirstValue(SchoolMember.SchoolClaim) is not { } home || !Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var personId))
        {
            return null;
        }
        await using var command = dataSource.CreateCommand("SELECT trust_id, trust_name FROM rm.schools WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = home });
        string? trustName;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct) || reader.IsDBNull(0) || reader.GetString(0) != trustId)
            {
                return null;
            }
            trustName = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        return await HoldsTrustLeaderAsync(dataSource, home, personId, ct) ? (home, personId, trustName) : null;
    }

    static async Task<bool> HoldsTrustLeaderAsync(NpgsqlDataSource dataSource, string home, Guid personId, CancellationToken ct) =>
        await SchoolAccess.CurrentRolesAsync(dataSource, home, personId, ct) is { } roles && roles.Contains(Role.TrustLeader);
}
