using ComplianceLedger.EventStore.LocalPostgres;

namespace ComplianceLedger.Api.Hosting;

/// <summary>
/// The connection strings the app uses: <c>ConnectionStrings:Ledger</c> (role ledger_app) and,
/// for migrations, <c>ConnectionStrings:LedgerAdmin</c>. In Development with neither set, a
/// PostgreSQL cluster is made (once) under the data directory and reused on every start; the
/// app stops it again when it stops, if this start launched it (<see cref="DevelopmentClusterService"/>).
/// </summary>
public sealed record LedgerDatabase(string AppConnectionString, string? AdminConnectionString, LocalCluster? DevelopmentCluster)
{
    public static LedgerDatabase Resolve(IConfiguration configuration, IHostEnvironment environment)
    {
        var app = configuration.GetConnectionString("Ledger");
        var admin = configuration.GetConnectionString("LedgerAdmin");
        if (!string.IsNullOrWhiteSpace(app))
        {
            return new LedgerDatabase(app, string.IsNullOrWhiteSpace(admin) ? null : admin, null);
        }
        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Ledger is not configured. Set ConnectionStrings__Ledger (role ledger_app) and, to migrate at start-up, ConnectionStrings__LedgerAdmin.");
        }

        var dataDirectory = DevelopmentData.Directory(configuration["Ledger:DataDirectory"]);
        // Start-up cannot proceed without its database, so waiting here is the point.
        var root = DevelopmentData.PrepareClusterRootAsync(dataDirectory).GetAwaiter().GetResult();
        var cluster = LocalCluster.StartAsync(root, throwaway: false, durable: true).GetAwaiter().GetResult();
        cluster.EnsureDatabaseAsync(DevelopmentData.DatabaseName).GetAwaiter().GetResult();
        return new LedgerDatabase(
            cluster.AppConnectionString(DevelopmentData.DatabaseName),
            cluster.AdminConnectionString(DevelopmentData.DatabaseName),
            cluster);
    }
}
