using System.Security.Claims;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Trusts;

/// <summary>
/// A trust leader brings a new school into their trust: it is registered and its headteacher
/// enrolled (the same decisions as <c>ledger school add</c>), and the headteacher carries on from
/// there. The trust leader gets no role in the new school by this.
/// </summary>
public static class AddTrustSchool
{
    public sealed record AddTrustSchoolRequest(string? Urn, string? Name, string? HeadteacherName, string? HeadteacherEmail, DateOnly? HeadteacherStartedOn);

    public static async Task<Results<Created<StartSchool.Started>, ProblemHttpResult>> Handle(
        string trustId, AddTrustSchoolRequest? body, ClaimsPrincipal user, NpgsqlDataSource dataSource, LedgerStore store, PersonalDataVault vault,
        TimeProvider time, CancellationToken ct)
    {
        if (await LeaderAsync(dataSource, user, trustId, ct) is not { } leader)
        {
            var shown = trustId.Length <= 40 ? trustId : trustId[..40] + "…";
            return TypedResults.Problem($"You lead no trust {shown}.", title: "No such trust", statusCode: StatusCodes.Status404NotFound);
        }
        if (body is null)
        {
            throw CommandRefusedException.Invalid("The body must be a JSON object with urn, name, headteacherName and headteacherEmail.");
        }
        var now = time.GetUtcNow();
        var command = StartSchool.Check(StartSchool.FieldNames.Api, body.Urn, body.Name, trustId, leader.TrustName, body.HeadteacherName, body.HeadteacherEmail,
            body.HeadteacherStartedOn ?? SchoolDay.Of(now));
        // Recorded in the new school's ledger, where the leader is no member: the actor says whose trust and school they act from.
        var started = await StartSchool.RunAsync(store, vault, command, $"trust-leader:{leader.Urn}:{leader.PersonId:D}", now, ct);
        return TypedResults.Created($"/api/trusts/{trustId}/compliance", started);
    }

    static async Task<(string Urn, Guid PersonId, string? TrustName)?> LeaderAsync(
        NpgsqlDataSource dataSource, ClaimsPrincipal user, string trustId, CancellationToken ct)
    {
        if (user.FindFirstValue(SchoolMember.SchoolClaim) is not { } urn || !Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var personId))
        {
            return null;
        }
        await using var command = dataSource.CreateCommand("SELECT trust_id, trust_name FROM rm.schools WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        string? trustName;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct) || reader.IsDBNull(0) || reader.GetString(0) != trustId)
            {
                return null;
            }
            trustName = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        return await SchoolAccess.CurrentRolesAsync(dataSource, urn, personId, ct) is { } roles && roles.Contains(Role.TrustLeader)
            ? (urn, personId, trustName)
            : null;
    }
}
