using Wolverine.Http;
using Wolverine.Marten;
namespace SpikeApp;
public sealed record Bulk0Body(string Note);
public static class Bulk0Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk0/{id}")]
    public static (IResult, Events) Post(string urn, Bulk0Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk0Message(string Id);
public static class Bulk0Handler
{
    public static void Handle(Bulk0Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk1Body(string Note);
public static class Bulk1Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk1/{id}")]
    public static (IResult, Events) Post(string urn, Bulk1Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk1Message(string Id);
public static class Bulk1Handler
{
    public static void Handle(Bulk1Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk2Body(string Note);
public static class Bulk2Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk2/{id}")]
    public static (IResult, Events) Post(string urn, Bulk2Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk2Message(string Id);
public static class Bulk2Handler
{
    public static void Handle(Bulk2Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk3Body(string Note);
public static class Bulk3Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk3/{id}")]
    public static (IResult, Events) Post(string urn, Bulk3Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk3Message(string Id);
public static class Bulk3Handler
{
    public static void Handle(Bulk3Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk4Body(string Note);
public static class Bulk4Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk4/{id}")]
    public static (IResult, Events) Post(string urn, Bulk4Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk4Message(string Id);
public static class Bulk4Handler
{
    public static void Handle(Bulk4Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk5Body(string Note);
public static class Bulk5Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk5/{id}")]
    public static (IResult, Events) Post(string urn, Bulk5Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk5Message(string Id);
public static class Bulk5Handler
{
    public static void Handle(Bulk5Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk6Body(string Note);
public static class Bulk6Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk6/{id}")]
    public static (IResult, Events) Post(string urn, Bulk6Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk6Message(string Id);
public static class Bulk6Handler
{
    public static void Handle(Bulk6Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk7Body(string Note);
public static class Bulk7Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk7/{id}")]
    public static (IResult, Events) Post(string urn, Bulk7Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk7Message(string Id);
public static class Bulk7Handler
{
    public static void Handle(Bulk7Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk8Body(string Note);
public static class Bulk8Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk8/{id}")]
    public static (IResult, Events) Post(string urn, Bulk8Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk8Message(string Id);
public static class Bulk8Handler
{
    public static void Handle(Bulk8Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk9Body(string Note);
public static class Bulk9Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk9/{id}")]
    public static (IResult, Events) Post(string urn, Bulk9Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk9Message(string Id);
public static class Bulk9Handler
{
    public static void Handle(Bulk9Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk10Body(string Note);
public static class Bulk10Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk10/{id}")]
    public static (IResult, Events) Post(string urn, Bulk10Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk10Message(string Id);
public static class Bulk10Handler
{
    public static void Handle(Bulk10Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk11Body(string Note);
public static class Bulk11Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk11/{id}")]
    public static (IResult, Events) Post(string urn, Bulk11Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk11Message(string Id);
public static class Bulk11Handler
{
    public static void Handle(Bulk11Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk12Body(string Note);
public static class Bulk12Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk12/{id}")]
    public static (IResult, Events) Post(string urn, Bulk12Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk12Message(string Id);
public static class Bulk12Handler
{
    public static void Handle(Bulk12Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk13Body(string Note);
public static class Bulk13Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk13/{id}")]
    public static (IResult, Events) Post(string urn, Bulk13Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk13Message(string Id);
public static class Bulk13Handler
{
    public static void Handle(Bulk13Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk14Body(string Note);
public static class Bulk14Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk14/{id}")]
    public static (IResult, Events) Post(string urn, Bulk14Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk14Message(string Id);
public static class Bulk14Handler
{
    public static void Handle(Bulk14Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk15Body(string Note);
public static class Bulk15Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk15/{id}")]
    public static (IResult, Events) Post(string urn, Bulk15Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk15Message(string Id);
public static class Bulk15Handler
{
    public static void Handle(Bulk15Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk16Body(string Note);
public static class Bulk16Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk16/{id}")]
    public static (IResult, Events) Post(string urn, Bulk16Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk16Message(string Id);
public static class Bulk16Handler
{
    public static void Handle(Bulk16Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk17Body(string Note);
public static class Bulk17Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk17/{id}")]
    public static (IResult, Events) Post(string urn, Bulk17Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk17Message(string Id);
public static class Bulk17Handler
{
    public static void Handle(Bulk17Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk18Body(string Note);
public static class Bulk18Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk18/{id}")]
    public static (IResult, Events) Post(string urn, Bulk18Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk18Message(string Id);
public static class Bulk18Handler
{
    public static void Handle(Bulk18Message m, Marten.IDocumentSession session) { }
}
public sealed record Bulk19Body(string Note);
public static class Bulk19Endpoint
{
    [WolverinePost("/wapi/schools/{urn}/bulk19/{id}")]
    public static (IResult, Events) Post(string urn, Bulk19Body body, [WriteAggregate("id")] ExceptionCase state) =>
        (TypedResults.Ok(new CommandResult(state.Id, state.Version)), new Events());
}
public sealed record Bulk19Message(string Id);
public static class Bulk19Handler
{
    public static void Handle(Bulk19Message m, Marten.IDocumentSession session) { }
}