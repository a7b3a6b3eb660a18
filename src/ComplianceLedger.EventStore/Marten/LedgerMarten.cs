using JasperFx;
using JasperFx.Events;
using JasperFx.MultiTenancy;
using Marten;
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
        return options;
    }

    /// <summary>The SQL that creates Marten's objects on an empty database, made without connecting.</summary>
    public static string CreationScript() =>
        new DocumentStore(Configure(new StoreOptions(), "Host=unused", TimeProvider.System)).Storage.ToDatabaseScript();
}
