using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ComplianceLedger.EventStore.LocalPostgres;
using Npgsql;

namespace ComplianceLedger.Bench;

/// <summary>Runs the cluster's own pgbench against it (as the postgres user when we are root).</summary>
static partial class Pgbench
{
    public sealed record Result(double Tps, long Transactions, double LatencyMs, TimeSpan ServerCpu, TimeSpan ClientCpu)
    {
        public double ServerCpuUsPerTx => ServerCpu.TotalMicroseconds / Math.Max(1, Transactions);
        public double ClientCpuUsPerTx => ClientCpu.TotalMicroseconds / Math.Max(1, Transactions);
    }

    public static async Task<Result> RunAsync(LocalCluster cluster, CpuMeter meter, string database, string script, int clients, TimeSpan duration, CancellationToken ct)
    {
        var file = Path.Combine(Path.GetTempPath(), $"ledger-bench-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(file, script, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        try
        {
            var port = new NpgsqlConnectionStringBuilder(cluster.AdminConnectionString(database)).Port;
            string[] args =
            [
                Path.Combine(cluster.BinDirectory, "pgbench"), "-h", cluster.SocketDirectory, "-p", port.ToString(CultureInfo.InvariantCulture),
                "-U", "postgres", "-n", "-M", "prepared", "-c", clients.ToString(CultureInfo.InvariantCulture),
                "-j", Math.Min(clients, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
                "-T", ((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture), "-f", file, database,
            ];
            string[] command = Environment.UserName == "root" ? ["runuser", "-u", "postgres", "--", .. args] : args;
            // The shell's `times` reports its children's CPU: pgbench's own cost as a client.
            var before = meter.Read();
            var (code, output) = await ExecAsync("sh", ["-c", "\"$@\"; rc=$?; times >&2; exit $rc", "sh", .. command], ct);
            var after = meter.Read();
            if (code != 0)
            {
                throw new InvalidOperationException($"pgbench failed ({code}):\n{output}");
            }
            var tps = TpsLine().Match(output);
            var count = CountLine().Match(output);
            var latency = LatencyLine().Match(output);
            if (!tps.Success || !count.Success)
            {
                throw new InvalidOperationException($"Could not read pgbench's output:\n{output}");
            }
            return new Result(
                double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture),
                long.Parse(count.Groups[1].Value, CultureInfo.InvariantCulture),
                latency.Success ? double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN,
                after.Server - before.Server, ChildrenCpu(output));
        }
        finally
        {
            File.Delete(file);
        }
    }

    static TimeSpan ChildrenCpu(string output)
    {
        var lines = TimesLine().Matches(output);
        if (lines.Count == 0)
        {
            return TimeSpan.Zero;
        }
        var last = lines[^1];
        static TimeSpan Part(Match m, int at) => TimeSpan.FromMinutes(int.Parse(m.Groups[at].Value, CultureInfo.InvariantCulture))
            + TimeSpan.FromSeconds(double.Parse(m.Groups[at + 1].Value, CultureInfo.InvariantCulture));
        return Part(last, 1) + Part(last, 3);
    }

    static async Task<(int Code, string Output)> ExecAsync(string file, string[] args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^([0-9]+)m([0-9.]+)s ([0-9]+)m([0-9.]+)s$", RegexOptions.Multiline)]
    private static partial Regex TimesLine();

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"number of transactions actually processed: ([0-9]+)")]
    private static partial Regex CountLine();

    [GeneratedRegex(@"latency average = ([0-9.]+) ms")]
    private static partial Regex LatencyLine();
}
