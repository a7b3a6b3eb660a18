using Npgsql;

namespace ComplianceLedger.EventStore.Projections;

/// <summary>How a read model keeps up with the ledger.</summary>
public enum ProjectionMode
{
    /// <summary>In the append transaction: read-your-writes, at the cost of append latency.</summary>
    Inline,

    /// <summary>In the background daemon, a moment after the append commits.</summary>
    Async,
}

/// <summary>
/// A read model of the ledger. Projections read events by their stable type names and JSON,
/// never by C# types, so a read model depends only on the ledger format. Their SQL names the
/// live schema <c>rm</c>; <see cref="ProjectionTarget"/> points a transaction elsewhere (a
/// rebuild's or an "as of" question's temporary tables).
/// </summary>
public interface IProjection
{
    /// <summary>Stable name, e.g. <c>compliance</c>; used for checkpoints and rebuilds.</summary>
    string Name { get; }

    ProjectionMode Mode { get; }

    bool Projects(string eventType);

    /// <summary>
    /// Applies events (in chain order, one tenant) on the given transaction. Inline, the events
    /// come from the append itself, without their hashes (empty): projections do not read them.
    /// </summary>
    Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct);

    /// <summary>Deletes the tenant's rows (every tenant's when null) ahead of a rebuild.</summary>
    Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct);

    /// <summary>
    /// The read-model tables it writes (names in <c>rm</c>), so a rebuild can make shadow copies
    /// and swap its rows in. A table several projections write says which rows are this one's.
    /// </summary>
    IReadOnlyList<ProjectionTable> Tables { get; }

    /// <summary>
    /// A rebuild has applied all of the tenant's events so far (see <see cref="ReplayBatch"/>).
    /// Projections whose rows are judgements of other tables' final state judge here, once,
    /// instead of per batch.
    /// </summary>
    Task TenantReplayedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, CancellationToken ct) =>
        Task.CompletedTask;
}

/// <param name="Name">The table's name in the live schema <c>rm</c>, unqualified.</param>
/// <param name="Owns">
/// When the table is shared, an SQL condition on its columns selecting this projection's rows
/// (e.g. <c>subject_kind = 'account'</c>); null when all rows are its own.
/// </param>
public sealed record ProjectionTable(string Name, string? Owns = null)
{
    /// <summary>
    /// Rows are only ever inserted (no upsert, update or delete by key), so a rebuild may load the
    /// table before building its primary key, in one sort instead of an index insert per row.
    /// </summary>
    public bool InsertOnly { get; init; }

    public string In(string schema) => $"{schema}.{Name}";
}
