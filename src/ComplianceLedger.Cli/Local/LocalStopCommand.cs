using System.CommandLine;
using ComplianceLedger.EventStore.LocalPostgres;

namespace ComplianceLedger.Cli.Local;

/// <summary>
/// <c>ledger local stop</c>: stops the development PostgreSQL cluster kept under the data
/// directory. The app stops the cluster it started when it stops; this is for one left running
/// by a CLI verb, or by an app that was killed. As root, <c>pg_ctl</c> refuses to run, so the
/// stop runs as the <c>postgres</c> user.
/// </summary>
internal static class LocalStopCommand
{
    public static Command Create(CliContext context)
    {
        var stop = new Command("stop", "Stop the development PostgreSQL cluster under the data directory (.data, or Ledger__DataDirectory).");
        stop.SetAction((_, ct) => RunAsync(context, ct));
        return new Command("local", "The development PostgreSQL cluster the app makes under .data.") { stop };
    }

    static async Task<int> RunAsync(CliContext context, CancellationToken ct)
    {
        var directory = DevelopmentData.Directory(context.Variable(DatabaseConnection.DataDirectoryVariable));
        if (!DevelopmentData.HasCluster(directory))
        {
            context.Out.Line($"No development cluster under {directory}; nothing to stop.");
            return ExitCodes.Success;
        }
        LocalCluster cluster;
        try
        {
            cluster = LocalCluster.Existing(DevelopmentData.ClusterRoot(directory));
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }
        if (!await cluster.IsRunningAsync(ct))
        {
            context.Out.Line($"The development cluster at {cluster.Root} is not running.");
            return ExitCodes.Success;
        }
        try
        {
            await cluster.StopAsync(ct);
        }
        catch (InvalidOperationException e)
        {
            throw new CliException($"Could not stop the development cluster at {cluster.Root}: {e.Message}", ExitCodes.ProblemsFound);
        }
        context.Out.Line($"Stopped the development cluster at {cluster.Root}.", "green");
        return ExitCodes.Success;
    }
}
