using Npgsql;

namespace ComplianceLedger.EventStore;

/// <summary>
/// Builds the <see cref="NpgsqlDataSource"/> the ledger is meant to run on: Npgsql's defaults
/// plus the two settings that matter for short, frequent appends (measured in
/// docs/benchmarks.md).
/// </summary>
/// <remarks>
/// <para><b>No Reset On Close.</b> By default Npgsql resets every pooled connection when it is
/// returned (DISCARD ALL, or seven reset statements once something is prepared). For an
/// append that is one extra statement batch per call, and DISCARD ALL also throws away the
/// plans <c>ledger.append_events</c> has cached. The ledger keeps no session state on pooled
/// connections (it uses <c>SET LOCAL</c> only inside transactions, and no temporary tables,
/// LISTEN or session advisory locks), so there is nothing to reset. Code that does hold
/// session state (a leader lock, a LISTEN) must do it on a dedicated, unpooled connection.</para>
/// <para><b>Max Auto Prepare.</b> Reads and the other repeated statements are prepared after a
/// few uses; the append prepares itself explicitly.</para>
/// Settings already present in the connection string win.
/// </remarks>
public static class LedgerDataSource
{
    public const int MaxAutoPrepare = 32;

    public static NpgsqlDataSource Create(string connectionString, Action<NpgsqlDataSourceBuilder>? configure = null)
    {
        var builder = new NpgsqlDataSourceBuilder(Tune(connectionString));
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>The connection string with the ledger's settings added where it does not set them itself.</summary>
    public static string Tune(string connectionString)
    {
        // NpgsqlConnectionStringBuilder knows every key; the raw pairs say which were given.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant())
            .ToHashSet();
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("NORESETONCLOSE"))
        {
            tuned.NoResetOnClose = true;
        }
        if (!given.Contains("MAXAUTOPREPARE"))
        {
            tuned.MaxAutoPrepare = MaxAutoPrepare;
        }
        return tuned.ConnectionString;
    }
}
