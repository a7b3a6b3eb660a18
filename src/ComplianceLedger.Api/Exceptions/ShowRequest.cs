using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// One declared relationship or exception request, with its ETag for the next decision. Its holder
/// may read it, as may the headteacher and the DSL; the chair of governors only the head's own.
/// </summary>
public static class ShowRequest
{
    public static async Task<Ok<Entry<ExceptionView>>> Handle(
        string urn, Guid id, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, HttpResponse response, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        var heads = await ExceptionCase.HeadteachersAsync(scope, urn, ct);
        var item = (await ExceptionViews.QueryAsync(scope, vault, urn, "x.item_id = $2", heads, ct, id)).SingleOrDefault()
            ?? throw CommandRefusedException.NotFound("No such declaration or exception request at this school.");
        var mayRead = item.PersonId == member.PersonId || member.Holds(Role.Headteacher, Role.Dsl)
            || (member.Holds(Role.ChairOfGovernors) && heads.Contains(item.PersonId));
        if (!mayRead)
        {
            throw new CommandRefusedException(StatusCodes.Status403Forbidden, "Not permitted for your role",
                "Only its holder, the headteacher and the DSL (the chair of governors, for the headteacher's own) may read this.");
        }
        if (scope.AsOf.Live)
        {
            // If-Match takes the current version only; an "as of" read shows a past one.
            response.Headers.ETag = StreamVersionTag.Quote(item.Version);
        }
        return TypedResults.Ok(new Entry<ExceptionView>(scope.AsOf, item));
    }
}
