using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.ToDo.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.ToDo;

public static class ToDoPages
{
    /// <summary>Every member's home page: the same to-do as <c>GET /api/schools/{urn}/me/to-do</c>.</summary>
    public static RouteGroupBuilder MapToDoPages(this RouteGroupBuilder school)
    {
        school.MapGet("/to-do", MyToDoPageAsync);
        return school;
    }

    static async Task<RazorComponentResult<MyToDoPage>> MyToDoPageAsync(string urn, SchoolMember member, ReadModelReader readModels, CancellationToken ct)
    {
        var listing = (await MyToDo.Handle(urn, member, readModels, ct)).Value!;
        return new RazorComponentResult<MyToDoPage>(new { listing.Items, AsOf = listing.AsOf.Position, Urn = urn });
    }
}
