using Npgsql;

namespace ComplianceLedger.EventStore.Projections;

/// <summary>
/// A read model kept in the append transaction, for read-your-writes: when the append
/// commits, the read model has seen its events; when the projection fails, nothing commits.
/// Projections read events by their stable type names and JSON, never by C# types, so a
/// read model depends only on the ledger format.
/// </summary>
public interface IInlineProjection
{
    /// <summary>Stable name, e.g. <c>people</c>; used for rebuilds.</summary>
    string Name { get; }

    bool Projects(string eventType);

    /// <summary>Applies events (in chain order, one tenant) on the given transaction.</summary>
    Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct);

    /// <summary>Deletes the tenant's rows (every tenant's when null) ahead of a rebuild.</summary>
    Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct);
}
