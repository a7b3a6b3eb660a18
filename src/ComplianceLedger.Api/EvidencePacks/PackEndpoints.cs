using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;

namespace ComplianceLedger.Api.EvidencePacks;

public static class PackEndpoints
{
    /// <summary>Who may build a school's evidence pack: its leaders and governors.</summary>
    public static readonly Role[] Builders = [Role.Headteacher, Role.Dsl, Role.ChairOfGovernors, Role.Governor];

    public static RouteGroupBuilder MapEvidencePacks(this RouteGroupBuilder school)
    {
        school.MapPost("/evidence-packs", StartEvidencePack.Handle).RequireRoles(Builders)
            .ProducesProblem(StatusCodes.Status409Conflict);
        school.MapGet("/evidence-packs/{packId:guid}", ShowEvidencePack.Handle).RequireRoles(Builders)
            .ProducesProblem(StatusCodes.Status404NotFound);
        school.MapGet("/evidence-packs/{packId:guid}/zip", DownloadEvidencePack.Handle).RequireRoles(Builders)
            .Produces<byte[]>(StatusCodes.Status200OK, "application/zip")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return school;
    }
}
