using System.CommandLine;
using ComplianceLedger.EventStore.LocalPostgres;
using Npgsql;

namespace ComplianceLedger.Cli;

/// <summary>Which role a verb needs: the schema owner's side or the application's.</summary>
internal enum ConnectionPurpose
{
    /// <summary>Superuser or a member of <c>ledger_owner</c>: for <c>migrate</c>.</summary>
    Administration,

    /// <summary>The application role <c>ledger_app</c>, which may only read and append.</summary>
    Application,
}

/// <summary>
/// The database a verb works on. Taken, in order, from <c>--connection</c>, the environment
/// (<c>ConnectionStrings__LedgerAdmin</c> for administration, then <c>ConnectionStrings__Ledger</c>),
/// or the development cluster that the app created under the data directory.
/// </summary>
internal sealed record DatabaseConnection(string ConnectionString, string Source, string? DevelopmentDataDirectory)
{
    public const string LedgerVariable = "ConnectionStrings__Ledger";
    public const string LedgerAdminVariable = "ConnectionStrings__LedgerAdmin";
    public const string DataDirectoryVariable = "Ledger__DataDirectory";

    /// <summary>The <c>--connection</c> option of the verbs that write as the app does (role ledger_app).</summary>
    public static Option<string?> AppOption() =>
        Option($"Application connection string (role ledger_app). Default: {LedgerVariable}, then the development cluster.");

    public static Option<string?> Option(string description) => new("--connection")
    {
        Description = description,
        HelpName = "connection-string",
    };

    /// <summary>Database, user and host, never the password.</summary>
    public string Describe()
    {
        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"database {b.Database ?? "(default)"} as {b.Username ?? "(default user)"} on {b.Host ?? "localhost"}:{b.Port} ({Source})";
    }

    public static async Task<DatabaseConnection> ResolveAsync(
        CliContext context, string? option, ConnectionPurpose purpose, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(option))
        {
            return Checked(option, "--connection");
        }
        if (purpose == ConnectionPurpose.Administration && context.Variable(LedgerAdminVariable) is { } admin)
        {
            return Checked(admin, LedgerAdminVariable);
        }
        if (context.Variable(LedgerVariable) is { } app)
        {
            return Checked(app, LedgerVariable);
        }

        var directory = DevelopmentData.Directory(context.Variable(DataDirectoryVariable));
        if (!DevelopmentData.HasCluster(directory))
        {
            var variables = purpose == ConnectionPurpose.Administration ? $"{LedgerAdminVariable} or {LedgerVariable}" : LedgerVariable;
            throw new CliException(
                $"No database to connect to: pass --connection or set {variables}. " +
                $"(No development cluster was found under {directory} either; running the app once in Development creates it.)");
        }

        LocalCluster cluster;
        try
        {
            cluster = await LocalCluster.StartAsync(DevelopmentData.ClusterRoot(directory), throwaway: false, durable: true, ct);
        }
        catch (InvalidOperationException e)
        {
            throw new CliException($"Could not start the development cluster under {directory}: {e.Message}");
        }
        await using (cluster)
        {
            if (purpose == ConnectionPurpose.Administration)
            {
                await cluster.EnsureDatabaseAsync(DevelopmentData.DatabaseName, ct);
                return new(cluster.AdminConnectionString(DevelopmentData.DatabaseName), "development cluster", directory);
            }
            return new(cluster.AppConnectionString(DevelopmentData.DatabaseName), "development cluster", directory);
        }
    }

    static DatabaseConnection Checked(string connectionString, string source)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"The connection string from {source} is not valid: {e.Message}");
        }
        return new(connectionString, source, null);
    }

    /// <summary>True when the error means the database could not be reached or logged into, rather than a failing statement.</summary>
    public static bool IsConnectionFailure(NpgsqlException e) =>
        e is not PostgresException p || p.SqlState.StartsWith("08", StringComparison.Ordinal) ||
        p.SqlState.StartsWith("28", StringComparison.Ordinal) || p.SqlState == PostgresErrorCodes.InvalidCatalogName;
}
