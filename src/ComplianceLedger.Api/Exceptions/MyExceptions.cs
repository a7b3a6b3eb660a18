using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>The signed-in person's own declarations and requests, with the decisions, conditions and dates.</summary>
public static class MyExceptions
{
    public static async Task<Ok<Listing<ExceptionView>>> Handle(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        var heads = await ExceptionCase.HeadteachersAsync(scope, urn, ct);
        var mine = await ExceptionViews.QueryAsync(scope, vault, urn, "x.person_id = $2", heads, ct, member.PersonId);
        return TypedResults.Ok(new Listing<ExceptionView>(scope.AsOf, mine));
    }
}
