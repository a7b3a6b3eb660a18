using ComplianceLedger.Api.Schools;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.EvidencePacks;

/// <summary>
/// <c>GET /api/schools/{urn}/evidence-packs/{packId}</c>: how far the build has gone. Only the person
/// who asked for it sees it; anyone else's, or one kept past its hour, is 404.
/// </summary>
public static class ShowEvidencePack
{
    public static Results<Ok<PackStatus>, ProblemHttpResult> Handle(string urn, Guid packId, SchoolMember member, PackBuilds builds) =>
        builds.Find(urn, packId, member.Actor) is { } build
            ? TypedResults.Ok(PackStatus.Of(build))
            : NotFound(packId);

    public static ProblemHttpResult NotFound(Guid packId) => TypedResults.Problem(
        $"You asked for no evidence pack {packId:D} at this school, or it was deleted an hour after it was built. Build it again.",
        title: "No such evidence pack", statusCode: StatusCodes.Status404NotFound);
}
