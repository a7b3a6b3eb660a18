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

    /// <summary>
    /// Where the development cluster lives: <c>postgres</c> inside the data directory, unless the
    /// first start found that the server user cannot enter it and put it elsewhere (see
    /// <see cref="PrepareClusterRootAsync"/>); a note in the data directory then says where.
    /// </summary>
    public static string ClusterRoot(string dataDirectory)
    {
        var note = Path.Combine(dataDirectory, ClusterLocationNote);
        return File.Exists(note) ? File.ReadAllText(note).Trim() : InsideClusterRoot(dataDirectory);
    }

    /// <summary>True when the cluster is kept outside the data directory (which the server user cannot enter).</summary>
    public static bool IsClusterElsewhere(string dataDirectory) => File.Exists(Path.Combine(dataDirectory, ClusterLocationNote));

    const string ClusterLocationNote = "postgres-location";

    static string InsideClusterRoot(string dataDirectory) => Path.Combine(dataDirectory, "postgres");

    /// <summary>
    /// The cluster's root for a start that may create it. As root the server runs as the
    /// <c>postgres</c> user, which cannot enter a checkout under a private directory (root's home,
    /// or one made by <c>mktemp -d</c>); then the cluster is made in the server user's home,
    /// under <c>compliance-ledger/</c>, in a folder named after the data directory's path, and a
    /// note in the data directory points there so that the app and the CLI both find it.
    /// </summary>
    public static async Task<string> PrepareClusterRootAsync(string dataDirectory, CancellationToken ct = default)
    {
        dataDirectory = Path.GetFullPath(dataDirectory);
        System.IO.Directory.CreateDirectory(dataDirectory);
        if (IsClusterElsewhere(dataDirectory) || HasCluster(dataDirectory) || await LocalCluster.ServerUserCanEnterAsync(dataDirectory, ct))
        {
            return ClusterRoot(dataDirectory);
        }
        var home = LocalCluster.ServerUserHome()
            ?? throw new InvalidOperationException(
                $"The postgres user cannot enter {dataDirectory} and has no home directory to keep the cluster in: " +
                "clone the repository where postgres can enter (e.g. under /srv), or set Ledger__DataDirectory or ConnectionStrings__Ledger.");
        var name = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataDirectory)))[..16];
        var root = Path.Combine(home, "compliance-ledger", name);
        System.IO.Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, ClusterLocationNote), root + "\n", ct);
        return root;
    }

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
