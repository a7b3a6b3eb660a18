using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The headteacher's approvals queue: declarations awaiting the DSL or a decision, exception
/// requests awaiting a decision, relationships to decide afresh after a revocation or lapse, and
/// extension requests. The DSL sees it too; the chair of governors sees only the headteacher's own.
/// </summary>
public static class ListApprovals
{
    public static async Task<Ok<IReadOnlyList<ExceptionView>>> Handle(
        string urn, SchoolMember member, NpgsqlDataSource dataSource, PersonalDataVault vault, CancellationToken ct)
    {
        var heads = await ExceptionCase.HeadteachersAsync(dataSource, urn, ct);
        var chairOnly = !member.Holds(Role.Headteacher, Role.Dsl);
        IReadOnlyList<ExceptionView> queue = await ExceptionViews.QueryAsync(dataSource, vault, urn,
            $"{ExceptionViews.AwaitingSql} IS NOT NULL AND (NOT $2 OR x.person_id = ANY($3))", heads, ct, chairOnly, heads.ToArray());
        return TypedResults.Ok(queue);
    }
}
