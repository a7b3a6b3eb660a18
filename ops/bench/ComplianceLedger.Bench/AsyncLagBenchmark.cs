using System.Collections.Concurrent;
using System.Diagnostics;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.EventStore;
using Npgsql;

namespace ComplianceLedger.Bench;

/// <summary>
/// Async projection lag under a steady load: acknowledgements appended at a fixed rate across
/// many schools while the API process's daemon projects them. Lag is measured from outside:
/// from an append's commit (AppendAsync returning) to the moment a poller sees every async
/// projection's checkpoint for that school at or past the append's chain position. The store is
/// the app's own, so the inline projections run in each append as they do behind the API, and
/// the async ones find the acknowledgements already in the facts tables.
/// </summary>
sealed class AsyncLagBenchmark(LedgerStore store, NpgsqlDataSource admin, string[] projections)
{
    public sealed record Run(double PerSecond, int Appended, int Measured, double P50Ms, double P95Ms, double P99Ms, double MaxMs, int Polls)
    {
        /// <summary>CPU per appended event, in microseconds: PostgreSQL, the appending process, the API process (its daemon).</summary>
        public (double Server, double Writers, double Daemon) CpuPerEventUs { get; init; }
    }

    public static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(5);

    public sealed record Acknowledger(string Urn, Guid PersonId, string PolicyId, string VersionLabel, string Sha);

    /// <summary>Current policy versions × people of the seeded schools, as acknowledgements waiting to be made.</summary>
    public async Task<List<Acknowledger>> PairsAsync(CancellationToken ct)
    {
        await using var command = admin.CreateCommand("""
            SELECT p.tenant, p.person_id, v.policy_id, v.version_label, v.document_sha256
              FROM rm.people p JOIN rm.policy_versions v ON v.tenant = p.tenant AND v.is_current
             ORDER BY md5(p.person_id::text || v.policy_id)
            """);
        var pairs = new List<Acknowledger>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            pairs.Add(new Acknowledger(reader.GetString(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        }
        return pairs;
    }

    /// <summary>Waits until the daemon has every school's events (a seed leaves it work to do).</summary>
    public async Task<TimeSpan> CaughtUpAsync(CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        await using var command = admin.CreateCommand("""
            SELECT EXISTS (SELECT 1 FROM ledger.chain_heads h CROSS JOIN unnest($1::text[]) AS pr(projection)
              LEFT JOIN ledger.projection_progress p ON p.projection = pr.projection AND p.tenant = h.tenant
             WHERE h.position > COALESCE(p.position, 0))
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = projections });
        while ((bool)(await command.ExecuteScalarAsync(ct))!)
        {
            await Task.Delay(100, ct);
        }
        return waited.Elapsed;
    }

    public async Task<Run> RunAsync(
        IReadOnlyList<Acknowledger> pairs, int perSecond, int writers, TimeSpan duration, CpuMeter meter, Func<TimeSpan> daemonCpu, CancellationToken ct)
    {
        var (cpuAtStart, daemonAtStart) = (meter.Read(), daemonCpu());
        var pending = new ConcurrentQueue<(string Urn, long Position, long CommittedAt)>();
        var lags = new ConcurrentBag<double>();
        var next = -1;
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var poller = Task.Run(() => PollAsync(pending, lags, stop.Token), CancellationToken.None);
        var interval = TimeSpan.FromSeconds(writers / (double)perSecond);
        var appended = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            // Each writer keeps to its own schedule (writer w fires at w/rate + k*interval), so the
            // offered load stays at the rate even when an append is slow.
            var due = TimeSpan.FromSeconds(w / (double)perSecond);
            while (due < duration && !ct.IsCancellationRequested)
            {
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct);
                }
                var i = Interlocked.Increment(ref next);
                if (i >= pairs.Count)
                {
                    break;
                }
                var pair = pairs[i];
                var result = await store.AppendAsync(new AppendRequest(pair.Urn, $"acknowledgements-{pair.PersonId:D}", "acknowledgements",
                    ExpectedVersion.Any,
                    [EventTypes.ToNewEvent(new PolicyAcknowledged(pair.PolicyId, pair.VersionLabel, pair.Sha, pair.PersonId,
                        AcknowledgementMethod.InApp, DateTimeOffset.UtcNow, null))],
                    new EventMetadata($"person:{pair.PersonId:D}")), ct);
                pending.Enqueue((pair.Urn, result.Events[^1].ChainPosition, Stopwatch.GetTimestamp()));
                Interlocked.Increment(ref appended);
                due += interval;
            }
        }, ct)));
        var elapsed = clock.Elapsed;
        // Let the daemon finish what was appended, then stop polling.
        var drain = Stopwatch.StartNew();
        while (lags.Count < appended && drain.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20, ct);
        }
        await stop.CancelAsync();
        var polls = await poller;
        var (cpuAtEnd, daemonAtEnd) = (meter.Read(), daemonCpu());
        double PerEvent(TimeSpan spent) => appended == 0 ? 0 : Math.Round(spent.TotalMicroseconds / appended);
        var sorted = lags.Order().ToArray();
        double At(double q) => sorted.Length == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)], 1);
        return new Run(appended / elapsed.TotalSeconds, appended, sorted.Length, At(0.50), At(0.95), At(0.99), sorted.Length == 0 ? 0 : Math.Round(sorted[^1], 1), polls)
        {
            // The drain is included: the daemon's share of the appended events ends there.
            CpuPerEventUs = (PerEvent(cpuAtEnd.Server - cpuAtStart.Server), PerEvent(cpuAtEnd.Client - cpuAtStart.Client), PerEvent(daemonAtEnd - daemonAtStart)),
        };
    }

    /// <summary>Every <see cref="PollEvery"/>: each school's slowest async checkpoint; appends at or below it are projected.</summary>
    async Task<int> PollAsync(ConcurrentQueue<(string Urn, long Position, long CommittedAt)> pending, ConcurrentBag<double> lags, CancellationToken ct)
    {
        var waiting = new List<(string Urn, long Position, long CommittedAt)>();
        var polls = 0;
        await using var connection = await admin.OpenConnectionAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(
            "SELECT tenant, min(position) FROM ledger.projection_progress WHERE projection = ANY($1) GROUP BY tenant HAVING count(*) = cardinality($1)",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = projections });
        while (!ct.IsCancellationRequested)
        {
            while (pending.TryDequeue(out var p))
            {
                waiting.Add(p);
            }
            var reached = new Dictionary<string, long>();
            await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
            {
                while (await reader.ReadAsync(CancellationToken.None))
                {
                    reached[reader.GetString(0)] = reader.GetInt64(1);
                }
            }
            var now = Stopwatch.GetTimestamp();
            polls++;
            waiting.RemoveAll(w =>
            {
                if (reached.TryGetValue(w.Urn, out var at) && at >= w.Position)
                {
                    lags.Add(Stopwatch.GetElapsedTime(w.CommittedAt, now).TotalMilliseconds);
                    return true;
                }
                return false;
            });
            try
            {
                // 5 ms: fine beside a 200 ms target, and a tighter loop is load on the same two cores.
                await Task.Delay(PollEvery, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return polls;
    }
}
