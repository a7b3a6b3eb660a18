using System.Runtime.CompilerServices;
using Npgsql;

namespace ComplianceLedger.EventStore.Projections;

/// <summary>
/// A rebuild's first pass over each tenant, into target tables that hold none of the tenant's
/// rows yet. A projection whose rows are final only once the tenant's last event is in (latest
/// wins) may hold them here across the pages and write them once, with COPY, in
/// <see cref="IProjection.TenantReplayedAsync"/>, instead of upserting them page by page. Not set
/// on the swap's catch-up, whose tenants already have rows: projections write as usual there.
/// </summary>
public static class TenantReplay
{
    /// <summary>What projections hold for the tenant being replayed on one connection.</summary>
    public sealed class Scope
    {
        readonly Dictionary<Type, object> held = [];

        /// <summary>The projection's holding of type <typeparamref name="T"/>, made on first use.</summary>
        public T Held<T>() where T : class, new()
        {
            if (!held.TryGetValue(typeof(T), out var value))
            {
                held[typeof(T)] = value = new T();
            }
            return (T)value;
        }
    }

    static readonly ConditionalWeakTable<NpgsqlTransaction, Scope> scopes = [];

    /// <summary>Marks a page's transaction as part of a first pass sharing <paramref name="scope"/> with the pages before it.</summary>
    public static void Attach(NpgsqlTransaction transaction, Scope scope) => scopes.AddOrUpdate(transaction, scope);

    /// <summary>Npgsql hands out the same transaction object again on a pooled connection: forget it when done.</summary>
    public static void Detach(NpgsqlTransaction transaction) => scopes.Remove(transaction);

    /// <summary>The first pass's scope, or null when rows must be written as the events come.</summary>
    public static Scope? Of(NpgsqlTransaction? transaction) =>
        transaction is not null && scopes.TryGetValue(transaction, out var scope) ? scope : null;
}
