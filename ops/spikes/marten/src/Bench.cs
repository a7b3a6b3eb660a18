using System.Diagnostics;
using JasperFx.Events;
using Marten;

namespace Spike;

public static class Bench
{
    public static async Task Run(string label, EventAppendMode mode, bool trigger, int seconds)
    {
        await Setup.Sql("ledger_owner", $"ALTER TABLE marten.mt_events {(trigger ? "ENABLE" : "DISABLE")} TRIGGER mt_events_chain");
        using var store = Cfg.Store("ledger_app", mode);
        const int writers = 8, tenants = 50;
        var run = Guid.NewGuid().ToString("N")[..6];
        // each writer owns one stream per tenant, started before the clock runs
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            for (var t = 0; t < tenants; t++)
            {
                await using var s = store.LightweightSession((900000 + t).ToString());
                s.Events.StartStream<Person>($"person-{run}-{w}-{t}", new PersonRegistered("p", "staff"));
                await s.SaveChangesAsync();
            }
        }));
        long n = 0;
        var stop = Stopwatch.StartNew();
        var lat = new List<double>[writers];
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            var rnd = new Random(w); lat[w] = new();
            while (stop.Elapsed.TotalSeconds < seconds)
            {
                var t = rnd.Next(tenants);
                var t0 = Stopwatch.GetTimestamp();
                await using var s = store.LightweightSession((900000 + t).ToString());
                s.Events.Append($"person-{run}-{w}-{t}", new PolicyAcknowledged("p", "pol", 1));
                await s.SaveChangesAsync();
                lat[w].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                Interlocked.Increment(ref n);
            }
        }));
        var all = lat.SelectMany(x => x).OrderBy(x => x).ToList();
        Console.WriteLine($"BENCH {label}: {n / stop.Elapsed.TotalSeconds:F0} appends/s (8 writers, 50 tenants, {seconds}s, p50 {all[all.Count / 2]:F1} ms, p99 {all[(int)(all.Count * 0.99)]:F1} ms)");
        await Setup.Sql("ledger_owner", "ALTER TABLE marten.mt_events ENABLE TRIGGER mt_events_chain");
    }
}
