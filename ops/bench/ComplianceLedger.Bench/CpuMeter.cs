using System.Globalization;
using ComplianceLedger.EventStore.LocalPostgres;

namespace ComplianceLedger.Bench;

/// <summary>
/// CPU time spent by the cluster's processes (the postmaster, its live children and the
/// children it has reaped) and by this process, read from /proc. On a shared, busy machine
/// CPU per event is a steadier measure of cost than throughput, so figures carry both.
/// </summary>
sealed class CpuMeter(LocalCluster cluster)
{
    static readonly double TicksPerSecond = 100.0; // USER_HZ on Linux

    public readonly record struct Sample(TimeSpan Server, TimeSpan Client);

    public static bool Available => File.Exists("/proc/self/stat");

    public Sample Read()
    {
        var client = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        if (!Available)
        {
            return new Sample(TimeSpan.Zero, client);
        }
        var pidFile = Path.Combine(cluster.DataDirectory, "postmaster.pid");
        var postmaster = int.Parse(File.ReadLines(pidFile).First(), CultureInfo.InvariantCulture);
        long ticks = 0;
        if (Stat(postmaster) is { } own)
        {
            ticks += own.Utime + own.Stime + own.Cutime + own.Cstime;
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } s && s.Ppid == postmaster)
            {
                ticks += s.Utime + s.Stime;
            }
        }
        return new Sample(TimeSpan.FromSeconds(ticks / TicksPerSecond), client);
    }

    sealed record ProcStat(int Ppid, long Utime, long Stime, long Cutime, long Cstime);

    static ProcStat? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // The command name may hold spaces; fields resume after its closing parenthesis.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long F(int n) => long.Parse(fields[n - 3], CultureInfo.InvariantCulture);
        return new ProcStat((int)F(4), F(14), F(15), F(16), F(17));
    }
}
