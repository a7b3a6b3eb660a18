using System.Runtime.CompilerServices;
using JasperFx;
using JasperFx.Events;
using JasperFx.MultiTenancy;
using Marten;
using Npgsql;
using Weasel.Core;

namespace ComplianceLedger.EventStore.Marten;

/// <summary>
/// Marten's configuration for the ledger, one definition for the app and for <c>ledger migrate</c>:
/// the schema Marten makes depends on it (its append function's signature follows the append mode
/// and the metadata columns), so the two must never differ. Decisions in docs/decisions.md.
/// </summary>
public static class LedgerMarten
{
    /// <summary>Marten's tables live apart from ours (<c>ledger</c>), which its schema updates never touch.</summary>
    public const string Schema = "marten";

    public static StoreOptions Configure(StoreOptions options, string connectionString, TimeProvider time)
    {
        options.Connection(connectionString);
        return Configure(options, time);
    }

    /// <summary>As the app runs it: on the app's own data source (its role, pool and connection options).</summary>
    public static StoreOptions Configure(StoreOptions options, NpgsqlDataSource dataSource, TimeProvider time)
    {
        options.Connection(dataSource);
        return Configure(options, time);
    }

    static StoreOptions Configure(StoreOptions options, TimeProvider time)
    {
        options.DatabaseSchemaName = Schema;
        // The app may not change the schema: `ledger migrate` applies it as the owner role.
        options.AutoCreateSchemaObjects = AutoCreate.None;
        options.UseSystemTextJsonForSerialization(casing: Casing.CamelCase);
        options.Events.TenancyStyle = TenancyStyle.Conjoined;
        options.Events.StreamIdentity = StreamIdentity.AsString;
        // Rich appends write tombstone events after a failed save (they would enter a school's
        // chain); plain Quick ignores a set timestamp on an existing stream, and recorded_at is hashed.
        options.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        options.Events.TimeProvider = time;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        options.Events.MetadataConfig.HeadersEnabled = true;
        options.Events.MetadataConfig.UserNameEnabled = true;
        // Marten makes its event tables only once it knows an event type, and the schema must not
        // depend on which ones a caller maps (they all share one table): name one the store owns.
        options.Events.MapEventType<NeverAppended>("ledger.never-appended.v1");
        options.Events.MapEventType<LedgerEventData>(LedgerEventData.MartenName);
        return options;
    }

    /// <summary>
    /// The document store over a data source, made once and kept as long as the data source: its
    /// configuration is fixed, and every <see cref="LedgerStore"/> on that data source shares it.
    /// </summary>
    public static IDocumentStore StoreFor(NpgsqlDataSource dataSource) =>
        Stores.GetValue(dataSource, ds => new DocumentStore(Configure(new StoreOptions(), ds, TimeProvider.System)));

    static readonly ConditionalWeakTable<NpgsqlDataSource, IDocumentStore> Stores = [];

    /// <summary>Takes the school's chain lock in the session's transaction (see <see cref="OpenSchoolSessionAsync"/>); one parameter, the school.</summary>
    public const string LockSchoolSql = "SELECT " + LockSchool;

    /// <summary>The expression that takes the lock, the school being <c>$1</c> (the chain trigger takes the same).</summary>
    public const string LockSchool = "pg_advisory_xact_lock(hashtextextended('ledger.chain:' || $1, 0))";

    /// <summary>Known to Marten so that its event tables exist; nothing appends it.</summary>
    public sealed record NeverAppended;

    /// <summary>
    /// A session for one school whose transaction holds the school's chain lock from the start.
    /// The chain trigger takes the same lock when the first event is inserted, by which time Marten
    /// has locked that stream's row; a save to two streams would then deadlock with another save
    /// to the second. Taken first, the lock orders every save of a school before any row lock (and
    /// appends without an expected version no longer race for a stream's next version: without it,
    /// MartenChainTests' opposite-order writers fail on Marten's version key within seconds).
    /// </summary>
    public static async Task<IDocumentSession> OpenSchoolSessionAsync(IDocumentStore store, string school, CancellationToken ct)
    {
        var session = store.LightweightSession(school);
        try
        {
            await session.BeginTransactionAsync(ct);
            await using var command = new NpgsqlCommand(LockSchoolSql, session.Connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = school });
            await command.ExecuteNonQueryAsync(ct);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>The SQL that creates Marten's objects on an empty database, made without connecting.</summary>
    public static string CreationScript() => Script.Value;

    // Made once per process: the migrator runs for every new database (one per test class).
    static readonly Lazy<string> Script = new(() =>
    {
        using var store = new DocumentStore(Configure(new StoreOptions(), "Host=unused", TimeProvider.System));
        return store.Storage.ToDatabaseScript();
    });
}
