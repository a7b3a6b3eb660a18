using ComplianceLedger.Api.Schools;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.EvidencePacks;

/// <summary>
/// <c>GET /api/schools/{urn}/evidence-packs/{packId}/zip</c>: the built pack, for the person who
/// asked for it (anyone else: 404); 409 while it is still being built or when it failed.
/// </summary>
public static class DownloadEvidencePack
{
    public static Results<FileStreamHttpResult, ProblemHttpResult> Handle(string urn, Guid packId, SchoolMember member, PackBuilds builds)
    {
        if (builds.Find(urn, packId, member.Actor) is not { } build)
        {
            return ShowEvidencePack.NotFound(packId);
        }
        if (build.State != PackState.Ready)
        {
            return TypedResults.Problem(
                build.State == PackState.Building
                    ? $"The evidence pack is still being built ({build.Percent}% done): download it when its status says ready."
                    : "The evidence pack could not be built: ask for it again.",
                title: "Not ready", statusCode: StatusCodes.Status409Conflict);
        }
        return TypedResults.File(PackBuilds.Open(build), "application/zip", build.FileName);
    }
}
