using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Schools;

namespace ComplianceLedger.Api.People;

public static class PeopleEndpoints
{
    public static readonly Role[] Enrollers = [Role.Headteacher, Role.Slt, Role.Office];

    /// <summary>Who reads anyone's record (everyone reads their own).</summary>
    public static readonly Role[] Readers = [.. Enrollers, .. Roles.DashboardReaders];

    public static RouteGroupBuilder MapPeople(this RouteGroupBuilder school)
    {
        school.MapGet("/people", ListPeople.Handle).RequireRoles([.. Enrollers, .. Roles.DashboardReaders]).ReadableByTrustLeaders().WithAsOf();
        school.MapPost("/people", EnrolPerson.Handle).RequireRoles(Enrollers);
        school.MapGet("/people/{personId:guid}", ShowPerson.Handle).WithAsOf().ProducesProblem(StatusCodes.Status403Forbidden);
        school.MapPut("/people/{personId:guid}/roles", ChangeRoles.Handle).RequireRoles(Enrollers);
        school.MapPost("/people/{personId:guid}/leave", RecordLeave.Start).RequireRoles(Enrollers);
        school.MapPost("/people/{personId:guid}/return", RecordLeave.Return).RequireRoles(Enrollers);
        school.MapPost("/people/{personId:guid}/leaving", RecordLeaving.Handle).RequireRoles(Enrollers);
        school.MapGet("/people/{personId:guid}/sign-in-email", SetSignInEmail.Show).RequireRoles(Enrollers);
        school.MapPut("/people/{personId:guid}/sign-in-email", SetSignInEmail.Handle).RequireRoles(Enrollers);
        return school;
    }
}
