using ComplianceLedger.Api.AsOf;

namespace ComplianceLedger.Api.ToDo;

public static class ToDoEndpoints
{
    /// <summary>The signed-in person's own view of the school; every member reads their own.</summary>
    public static RouteGroupBuilder MapToDo(this RouteGroupBuilder school)
    {
        school.MapGet("/me/to-do", MyToDo.Handle).WithAsOf();
        return school;
    }
}
