using System.Diagnostics;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Bench;

/// <summary>
/// How long one school's open append transaction delays other schools' async projections. One
/// school's append is held open for <see cref="Hold"/> after its events are written (its chain
/// head locked, its rows uncommitted), while the other schools append at a steady rate; their
/// append-to-projected delay during the hold is compared with the same rate without a hold.
/// A daemon following one store-wide sequence would hold them all back for the whole hold.
/// </summary>
sealed class CrossSchoolStallBenchmark(
    NpgsqlDataSource app, IEnumerable<IProjection> projections, NpgsqlDataSource admin, string[] asyncProjections, AsyncLagBenchmark lag, TimeSpan hold)
{
    public TimeSpan Hold { get; } = hold;

    /// <summary>The other schools' offered rate: well inside this machine's capacity, so the delay is the stall's, not a queue's.</summary>
    public const int Rate = 200;

    /// <summary>The other schools append for this long while the hold lasts, so every append measured is made during it.</summary>
    public TimeSpan During => Hold - TimeSpan.FromMilliseconds(500);

    public static readonly TimeSpan Normal = TimeSpan.FromSeconds(3);

    public sealed record Result(
        string SlowSchool, AsyncLagBenchmark.Run Normal, AsyncLagBenchmark.Run DuringHold, TimeSpan HeldFor, TimeSpan SlowSchoolProjectedAfterCommit);

    /// <summary>The acknowledgements a run needs: one for the slow school, the rest for the others.</summary>
    public int Needed => 1 + (int)(Rate * (1 + Normal.TotalSeconds + During.TotalSeconds)) + 100;

    public async Task<Result> RunAsync(IReadOnlyList<AsyncLagBenchmark.Acknowledger> pairs, int writers, CpuMeter meter, Func<TimeSpan> daemonCpu, CancellationToken ct)
    {
        var slow = pairs[0];
        var others = pairs.Where(p => p.Urn != slow.Urn).ToList();
        var warm = (int)(Rate * 1.0);
        var normalCount = (int)(Rate * Normal.TotalSeconds);
        await lag.RunAsync(others.Take(warm).ToList(), Rate, writers, TimeSpan.FromSeconds(1), meter, daemonCpu, ct);
        var normal = await lag.RunAsync(others.Skip(warm).Take(normalCount).ToList(), Rate, writers, Normal, meter, daemonCpu, ct);

        // The slow school's append, through a store whose last inline projection waits inside the append's transaction.
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holdingStore = new LedgerStore(app, TimeProvider.System, [.. projections, new HoldOpen(Hold, holding)]);
        var held = Task.Run(() => holdingStore.AppendAsync(Acknowledgement(slow), ct), ct);
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        var heldFor = Stopwatch.StartNew();
        var during = await lag.RunAsync(others.Skip(warm + normalCount).ToList(), Rate, writers, During, meter, daemonCpu, ct);
        var committed = await held;
        var heldOpen = heldFor.Elapsed;
        var projectedAfter = Stopwatch.StartNew();
        await using var command = admin.CreateCommand("""
            SELECT COALESCE(min(COALESCE(p.position, 0)), 0) FROM unnest($2::text[]) AS pr(projection)
              LEFT JOIN ledger.projection_progress p ON p.projection = pr.projection AND p.tenant = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slow.Urn });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = asyncProjections });
        while ((long)(await command.ExecuteScalarAsync(ct))! < committed.Events[^1].ChainPosition)
        {
            if (projectedAfter.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"The held append of school {slow.Urn} was not projected within 60 s of its commit.");
            }
            await Task.Delay(AsyncLagBenchmark.PollEvery, ct);
        }
        return new Result(slow.Urn, normal, during, heldOpen, projectedAfter.Elapsed);
    }

    public static AppendRequest Acknowledgement(AsyncLagBenchmark.Acknowledger pair) =>
        new(pair.Urn, $"acknowledgements-{pair.PersonId:D}", "acknowledgements", ExpectedVersion.Any,
            [EventTypes.ToNewEvent(new PolicyAcknowledged(pair.PolicyId, pair.VersionLabel, pair.Sha, pair.PersonId,
                AcknowledgementMethod.InApp, DateTimeOffset.UtcNow, null))],
            new EventMetadata($"person:{pair.PersonId:D}"));

    /// <summary>Inline, after the app's own: keeps the append's transaction open (events and inline rows written, not committed) for the hold.</summary>
    sealed class HoldOpen(TimeSpan hold, TaskCompletionSource holding) : IProjection
    {
        public string Name => "bench-hold-open";

        public ProjectionMode Mode => ProjectionMode.Inline;

        public bool Projects(string eventType) => true;

        public IReadOnlyList<ProjectionTable> Tables => [];

        public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
        {
            // The app's inline rows are sent first, so their row locks are held through the hold as well.
            await ReplayBatch.FlushAsync(connection, transaction, ct);
            holding.TrySetResult();
            await Task.Delay(hold, ct);
        }

        public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct) => Task.CompletedTask;
    }
}
