using System.Runtime.CompilerServices;
using ComplianceLedger.EventStore.Projections.Daemon;
using Npgsql;

namespace ComplianceLedger.EventStore;

/// <summary>
/// Wakes the projection daemon, wherever it runs, once appends have committed: the schools that
/// appended go in one NOTIFY statement of its own, after the commit, however many appends made
/// them. A NOTIFY inside each append's transaction serialises every commit of the database on
/// PostgreSQL's notification queue lock (measured in docs/benchmarks.md, "Waking the daemon").
/// A notification that never goes out (the app stopped first, the database was briefly away)
/// costs only latency: the daemon polls for every school behind, as it does for appends made
/// without this store.
/// </summary>
public sealed class AppendNotifier
{
    readonly NpgsqlDataSource dataSource;
    readonly HashSet<string> pending = new(StringComparer.Ordinal);
    bool sending;

    AppendNotifier(NpgsqlDataSource dataSource) => this.dataSource = dataSource;

    static readonly ConditionalWeakTable<NpgsqlDataSource, AppendNotifier> Notifiers = [];

    /// <summary>The one notifier of a data source, shared by every store on it.</summary>
    public static AppendNotifier For(NpgsqlDataSource dataSource) => Notifiers.GetValue(dataSource, ds => new AppendNotifier(ds));

    /// <summary>Queues a wake-up for the school; returns at once.</summary>
    public void Appended(string tenant)
    {
        lock (pending)
        {
            pending.Add(tenant);
            if (sending)
            {
                return;
            }
            sending = true;
        }
        _ = Task.Run(SendAsync);
    }

    /// <summary>How long a wake-up waits for others to go with it: the daemon gathers for longer.</summary>
    static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(5);

    async Task SendAsync()
    {
        var finished = false;
        try
        {
            await SendPendingAsync();
            finished = true;
        }
        finally
        {
            if (!finished)
            {
                // Ended by something unforeseen: the next append starts another loop.
                lock (pending)
                {
                    sending = false;
                }
            }
        }
    }

    async Task SendPendingAsync()
    {
        while (true)
        {
            await Task.Delay(Gather);
            string[] tenants;
            lock (pending)
            {
                if (pending.Count == 0)
                {
                    sending = false;
                    return;
                }
                tenants = [.. pending];
                pending.Clear();
            }
            try
            {
                await using var command = dataSource.CreateCommand($"SELECT pg_notify('{ProjectionDaemon.Channel}', t) FROM unnest($1::text[]) AS t");
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tenants });
                await command.ExecuteNonQueryAsync();
            }
            catch (Exception e) when (e is NpgsqlException or ObjectDisposedException or InvalidOperationException or TimeoutException)
            {
                // The daemon's poll finds these schools behind; nothing else depends on the wake-up.
                LedgerTelemetry.WakeUpsLost.Add(tenants.Length);
            }
        }
    }
}
