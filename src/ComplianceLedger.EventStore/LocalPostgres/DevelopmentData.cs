namespace ComplianceLedger.EventStore.LocalPostgres;

/// <summary>
/// Where development keeps its state: the git-ignored <c>.data</c> folder at the root of
/// the checkout (or <c>Ledger:DataDirectory</c>). The app and the <c>ledger</c> CLI both
/// look here, so the CLI finds the cluster and key that <c>dotnet run</c> made.
/// </summary>
public static class DevelopmentData
{
    public const string DatabaseName = "ledger";

    public static string Directory(string? configured = null)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }
        var root = FindCheckoutRoot(Environment.CurrentDirectory) ?? FindCheckoutRoot(AppContext.BaseDirectory);
        return root is not null
            ? Path.Combine(root, ".data")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "compliance-ledger");
    }

    public static string ClusterRoot(string dataDirectory) => Path.Combine(dataDirectory, "postgres");

    public static string SigningKeyFile(string dataDirectory) => Path.Combine(dataDirectory, "checkpoint-signing-key.pem");

    /// <summary>True when a development cluster has been created under <paramref name="dataDirectory"/>.</summary>
    public static bool HasCluster(string dataDirectory) =>
        File.Exists(Path.Combine(ClusterRoot(dataDirectory), "data", "PG_VERSION"));

    static string? FindCheckoutRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ComplianceLedger.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
