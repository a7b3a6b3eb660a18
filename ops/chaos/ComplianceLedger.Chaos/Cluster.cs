using System.Diagnostics;
using ComplianceLedger.EventStore.LocalPostgres;

namespace ComplianceLedger.Chaos;

/// <summary>What the chaos does to PostgreSQL besides using it: a crash and restart.</summary>
static class Cluster
{
    /// <summary>
    /// <c>pg_ctl restart -m immediate</c>: every backend is killed without a checkpoint, so the
    /// server starts with crash recovery from the WAL, exactly as after a power cut (fsync is on).
    /// The server keeps the options it was started with (postmaster.opts).
    /// </summary>
    public static async Task RestartImmediatelyAsync(LocalCluster cluster, CancellationToken ct)
    {
        var pgCtl = Path.Combine(cluster.BinDirectory, "pg_ctl");
        string[] args = ["-D", cluster.DataDirectory, "-l", cluster.LogFile, "-m", "immediate", "-w", "-t", "120", "restart"];
        // As root the server runs as postgres (LocalCluster does the same).
        var info = Environment.UserName == "root" ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", pgCtl, .. args]) : new ProcessStartInfo(pgCtl, args);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.WorkingDirectory = "/";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start pg_ctl.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl restart -m immediate failed ({process.ExitCode}): {await stdout}{await stderr}");
        }
    }
}
