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

    /// <summary>Whether the person leads <paramref name="trustId"/>: their home school is one of its schools.</summary>
    public static async Task<bool> LeadsTrustAsync(NpgsqlDataSource dataSource, string home, Guid personId, string trustId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT trust_id FROM rm.schools WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = home });
        return await command.ExecuteScalarAsync(ct) is string trust && trust == trustId && await HoldsTrustLeaderAsync(dataSource, home, personId, ct);
    }

    static async Task<bool> HoldsTrustLeaderAsync(NpgsqlDataSource dataSource, string home, Guid personId, CancellationToken ct) =>
        await SchoolAccess.CurrentRolesAsync(dataSource, home, personId, ct) is { } roles && roles.Contains(Role.TrustLeader);
}
