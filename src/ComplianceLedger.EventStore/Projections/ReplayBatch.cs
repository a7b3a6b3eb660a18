using System.Runtime.CompilerServices;
using Npgsql;

namespace ComplianceLedger.EventStore.Projections;

/// <summary>
/// Marks a transaction as a rebuild's replay. Its projection writes are queued and sent as one
/// <see cref="NpgsqlBatch"/> (a round trip per few hundred statements instead of one each);
/// anything that reads the read model must <see cref="FlushAsync"/> first so it sees them.
/// Projections may also leave whole-tenant judging to <see cref="IProjection.TenantReplayedAsync"/>.
/// The daemon queues its writes the same way (<see cref="Defer"/>) without being a replay: a
/// batch's rows and its checkpoint moves then go in one round trip.
/// </summary>
public static class ReplayBatch
{
    const int FlushAt = 500;

    sealed class Queue(bool replaying) : List<NpgsqlBatchCommand>
    {
        public bool Replaying { get; } = replaying;
    }

    static readonly ConditionalWeakTable<NpgsqlTransaction, Queue> queues = [];

    public static void Begin(NpgsqlTransaction transaction) => queues.AddOrUpdate(transaction, new Queue(replaying: true));

    /// <summary>Queues the transaction's projection writes until a read or <see cref="FlushAsync"/>; not a replay.</summary>
    public static void Defer(NpgsqlTransaction transaction) => queues.AddOrUpdate(transaction, new Queue(replaying: false));

    /// <summary>Back to running each write at once; flush first.</summary>
    public static void End(NpgsqlTransaction transaction) => queues.Remove(transaction);

    /// <summary>True when the transaction replays the ledger for a rebuild.</summary>
    public static bool IsReplaying(NpgsqlTransaction? transaction) =>
        transaction is not null && queues.TryGetValue(transaction, out var queue) && queue.Replaying;

    /// <summary>Queues the statements on a replaying transaction, runs them at once on any other.</summary>
    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<NpgsqlBatchCommand> commands, CancellationToken ct)
    {
        if (queues.TryGetValue(transaction, out var queue))
        {
            queue.AddRange(commands);
            if (queue.Count >= FlushAt)
            {
                await FlushAsync(connection, transaction, ct);
            }
            return;
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// Sends the queued statements and the COMMIT in one round trip. Npgsql marks the transaction
    /// completed when the server reports it ended, so disposing it afterwards does nothing.
    /// </summary>
    public static async Task CommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        if (!queues.TryGetValue(transaction, out var queue) || queue.Count == 0)
        {
            await transaction.CommitAsync(ct);
            return;
        }
        await SendAsync(connection, transaction, queue, new NpgsqlBatchCommand("COMMIT"), ct);
    }

    /// <summary>Sends the queued statements, if any.</summary>
    public static async Task FlushAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        if (transaction is null || !queues.TryGetValue(transaction, out var queue) || queue.Count == 0)
        {
            return;
        }
        await SendAsync(connection, transaction, queue, null, ct);
    }

    static async Task SendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Queue queue, NpgsqlBatchCommand? last, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in queue)
        {
            batch.BatchCommands.Add(command);
        }
        queue.Clear();
        if (last is not null)
        {
            batch.BatchCommands.Add(last);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }
}
