using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The headteacher's approvals queue: declarations awaiting the DSL or a decision, exception
/// requests awaiting a decision, relationships to decide afresh after a revocation or lapse, and
/// extension requests. The DSL sees it too; the chair of governors sees only the headteacher's own.
/// </summary>
public static class ListApprovals
{
    public static async Task<Ok<Listing<ExceptionView>>> Handle(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        var heads = await ExceptionCase.HeadteachersAsync(scope, urn, ct);
        // Who may see what is decided by the reader's roles today; the queue is as it stood then.
        var chairOnly = !member.Holds(Role.Headteacher, Role.Dsl);
        var queue = await ExceptionViews.QueryAsync(scope, vault, urn,
            $"{ExceptionViews.AwaitingSql} IS NOT NULL AND (NOT $2 OR x.person_id = ANY($3))", heads, ct, chairOnly, heads.ToArray());
        return TypedResults.Ok(new Listing<ExceptionView>(scope.AsOf, queue));
    }
}
