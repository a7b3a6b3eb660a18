using System.Diagnostics;
using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Api.AsOf;

/// <summary>
/// The read models one request reads, on one READ ONLY REPEATABLE READ transaction: the live
/// <c>rm</c> tables, or an "as of" replay in temporary tables. Query code builds its commands
/// here, so its <c>rm.</c> SQL goes wherever the transaction points (<see cref="ProjectionTarget"/>)
/// and the same code answers live and "as of" questions.
/// </summary>
public sealed class ReadScope : IAsyncDisposable
{
    readonly NpgsqlConnection connection;
    readonly NpgsqlTransaction transaction;
    readonly Activity? activity;
    readonly Action? release;

    internal ReadScope(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerPoint asOf, Activity? activity, Action? release)
    {
        this.connection = connection;
        this.transaction = transaction;
        this.activity = activity;
        this.release = release;
        AsOf = asOf;
    }

    public LedgerPoint AsOf { get; }

    /// <summary>The day the rules judge by: dated verdicts pass to overdue after it.</summary>
    public DateOnly On => AsOf.Day;

    public NpgsqlCommand Command(string sql) => new(ProjectionTarget.Sql(transaction, sql), connection, transaction);

    /// <summary>Runs a query of the projections' facts (<c>FactsQueries</c>) in this scope's snapshot, live or "as of".</summary>
    public Task<T> FactsAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> query) => query(connection, transaction);

    public NpgsqlBatch Batch(params NpgsqlBatchCommand[] commands)
    {
        var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in commands)
        {
            command.CommandText = ProjectionTarget.Sql(transaction, command.CommandText);
            batch.BatchCommands.Add(command);
        }
        return batch;
    }

    public async ValueTask DisposeAsync()
    {
        // Npgsql recycles a connection's transaction object, so the redirect must not outlive
        // this scope: the next transaction on the pooled connection would write to pg_temp.
        ProjectionTarget.RedirectTo(transaction, ProjectionTarget.LiveSchema);
        // Read only: rolling back loses nothing, and drops any temporary tables.
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
        activity?.Dispose();
        release?.Invoke();
    }
}
