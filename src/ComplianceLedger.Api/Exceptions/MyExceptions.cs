using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>The signed-in person's own declarations and requests, with the decisions, conditions and dates.</summary>
public static class MyExceptions
{
    public static async Task<Ok<IReadOnlyList<ExceptionView>>> Handle(
        string urn, SchoolMember member, NpgsqlDataSource dataSource, PersonalDataVault vault, CancellationToken ct)
    {
        var heads = await ExceptionCase.HeadteachersAsync(dataSource, urn, ct);
        IReadOnlyList<ExceptionView> mine = await ExceptionViews.QueryAsync(dataSource, vault, urn, "x.person_id = $2", heads, ct, member.PersonId);
        return TypedResults.Ok(mine);
    }
}
