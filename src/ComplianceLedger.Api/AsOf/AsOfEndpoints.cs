namespace ComplianceLedger.Api.AsOf;

/// <summary>A register's rows, with the ledger position and day they reflect.</summary>
public sealed record Listing<T>(LedgerPoint AsOf, IReadOnlyList<T> Items);

/// <summary>One register entry, with the ledger position and day it reflects.</summary>
public sealed record Entry<T>(LedgerPoint AsOf, T Item);

public static class AsOfEndpoints
{
    /// <summary>Declares, for the OpenAPI document, how an <c>asOf</c> question can be refused.</summary>
    public static RouteHandlerBuilder WithAsOf(this RouteHandlerBuilder endpoint) => endpoint
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}
