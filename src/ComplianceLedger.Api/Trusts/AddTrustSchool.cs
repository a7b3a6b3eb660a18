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
        if (await TrustLeadership.LeaderAsync(dataSource, user, trustId, ct) is not { } leader)
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
        var started = await StartSchool.RunAsync(store, vault, command, $"trust-leader:{leader.Home}:{leader.PersonId:D}", now, ct);
        return TypedResults.Created($"/api/trusts/{trustId}/compliance", started);
    }
}
