using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.UseCases;
using Npgsql;
using Xunit.Abstractions;

namespace ComplianceLedger.Tests.Projections;

/// <summary>
/// The async projections' two promises under the worst a writer can do: they miss nothing
/// (rollbacks, failed saves and transactions held open for seconds, all at once), and one
/// school's long transaction does not hold back another school's projections.
/// </summary>
public sealed class ProjectionGapTests(DaemonApp app, ITestOutputHelper output) : IClassFixture<DaemonApp>
{
    static readonly TimeSpan Window = TimeSpan.FromSeconds(12);

    [Fact]
    public async Task Every_committed_event_is_projected_and_none_rolled_back_through_rollbacks_failed_saves_and_transactions_held_for_seconds()
    {
        var schools = new List<TestSchoolWithClient>();
        for (var i = 0; i < 6; i++)
        {
            var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
            schools.Add(new(school.Urn, [.. school.People.Values], await school.As(Role.Teacher)));
        }
        string[] tenants = [.. schools.Select(s => s.Urn)];
        var before = await EventsAsync(tenants);

        var acknowledged = new ConcurrentBag<(string Tenant, long Position, Guid EventId)>();
        int rolledBack = 0, heldRolledBack = 0, wrongVersion = 0, refused = 0;
        var heldCommitted = new ConcurrentBag<TimeSpan>();
        var clock = Stopwatch.StartNew();

        // Three holders, each on its own school, hold appends open 3–10 s: committed, or rolled back.
        (int School, int DelayMs, TimeSpan Hold, bool RollBack)[][] holds =
        [
            [(0, 500, TimeSpan.FromSeconds(8), false), (0, 0, TimeSpan.FromSeconds(3), false)],
            [(1, 1000, TimeSpan.FromSeconds(4), true), (1, 0, TimeSpan.FromSeconds(6), false)],
            [(2, 1500, TimeSpan.FromSeconds(10), false)],
        ];
        var holders = holds.Select(plans => Task.Run(async () =>
        {
            foreach (var (index, delayMs, hold, rollBack) in plans)
            {
                await Task.Delay(delayMs);
                var school = schools[index];
                var held = Stopwatch.StartNew();
                try
                {
                    var result = await AppendAsync(school.Urn, $"acknowledgements-{school.People[0]:D}", school.People[0], 2,
                        new AppendPlan(hold, rollBack));
                    Record(acknowledged, result, school.Urn);
                    heldCommitted.Add(held.Elapsed);
                }
                catch (RolledBackOnPurposeException)
                {
                    Interlocked.Increment(ref heldRolledBack);
                }
            }
        }));

        // Twelve writers over every school for the window: commits, rollbacks, a wrong expected
        // version, a command the school's rules refuse, and short holds. A writer of a school
        // that a holder has locked waits, and commits the moment the hold ends.
        var writers = Enumerable.Range(0, 12).Select(w => Task.Run(async () =>
        {
            var random = new Random(1200 + w);
            while (clock.Elapsed < Window)
            {
                var school = schools[random.Next(schools.Count)];
                var person = school.People[random.Next(school.People.Count)];
                var stream = $"acknowledgements-{person:D}";
                var roll = random.Next(100);
                if (roll < 55)
                {
                    Record(acknowledged, await AppendAsync(school.Urn, stream, person, 1 + random.Next(3), null), school.Urn);
                }
                else if (roll < 75)
                {
                    // Rolled back after the events were written, each to a stream no commit ever uses.
                    var plan = new AppendPlan(TimeSpan.FromMilliseconds(random.Next(300)), RollBack: true);
                    await Assert.ThrowsAsync<RolledBackOnPurposeException>(() =>
                        AppendAsync(school.Urn, $"rolled-back-{Guid.NewGuid():N}", person, 1 + random.Next(3), plan));
                    Interlocked.Increment(ref rolledBack);
                }
                else if (roll < 85)
                {
                    var version = await app.LedgerStore.GetStreamVersionAsync(school.Urn, stream) ?? 0;
                    await Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
                        AppendAsync(school.Urn, stream, person, 1, null, ExpectedVersion.Exactly(version + 5)));
                    Interlocked.Increment(ref wrongVersion);
                }
                else if (roll < 95)
                {
                    // The school's rules refuse it before anything is appended: there is no version 9.
                    var response = await school.Teacher.PostAsync($"/api/schools/{school.Urn}/policies/social-media/acknowledgements",
                        new StringContent($$"""{"versionLabel":"9","documentSha256":"{{PeopleAndPolicyContractTests.Sha}}"}""", Encoding.UTF8, "application/json"));
                    Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
                    Interlocked.Increment(ref refused);
                }
                else
                {
                    var plan = new AppendPlan(TimeSpan.FromMilliseconds(200 + random.Next(600)), RollBack: false);
                    Record(acknowledged, await AppendAsync(school.Urn, stream, person, 1, plan), school.Urn);
                }
                await Task.Delay(random.Next(20));
            }
        }));
        await Task.WhenAll([.. holders, .. writers]);
        var wrote = clock.Elapsed;
        await app.ProjectionsCaughtUpAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"{wrote.TotalSeconds:0.0} s of writing, caught up {(clock.Elapsed - wrote).TotalSeconds:0.0} s later: " +
            $"{acknowledged.Count} events acknowledged, {rolledBack} appends rolled back, {heldRolledBack} held then rolled back, " +
            $"{heldCommitted.Count} held then committed ({string.Join(", ", heldCommitted.Select(h => $"{h.TotalSeconds:0.0} s"))}), " +
            $"{wrongVersion} wrong expected versions, {refused} refused commands");

        Assert.True(heldCommitted.Count(h => h >= TimeSpan.FromSeconds(3)) >= 4, "four appends were held open 3 s or more and committed");
        Assert.Equal(1, heldRolledBack);
        Assert.True(rolledBack >= 10 && wrongVersion >= 5 && refused >= 5, $"{rolledBack} rolled back, {wrongVersion} wrong versions, {refused} refused");

        // The ledger: exactly what the writers saw acknowledged, gap-free, nothing else.
        var events = await EventsAsync(tenants);
        Assert.Equal(before.Count + acknowledged.Count, events.Count);
        var stored = events.ToDictionary(e => (e.Tenant, e.Position), e => e.EventId);
        Assert.All(acknowledged, a => Assert.Equal(a.EventId, stored.GetValueOrDefault((a.Tenant, a.Position))));
        Assert.All(events.GroupBy(e => e.Tenant), chain => Assert.Equal(Enumerable.Range(1, chain.Count()).Select(p => (long)p), chain.Select(e => e.Position)));
        Assert.DoesNotContain(events, e => e.StreamId.StartsWith("rolled-back-", StringComparison.Ordinal));

        // The audit trail: one row per committed event, the same event (stream, type, time), none
        // missing and none from a rolled-back append (which would have had a stream of its own).
        var missing = await ScalarAsync($"""
            SELECT count(*) FROM (SELECT tenant, chain_position, stream_id, event_type, recorded_at FROM ledger.events WHERE tenant = ANY($1)
                                  EXCEPT SELECT tenant, position, stream_id, event_type, recorded_at FROM rm.audit_trail WHERE tenant = ANY($1)) m
            """, tenants);
        var extra = await ScalarAsync($"""
            SELECT count(*) FROM (SELECT tenant, position, stream_id, event_type, recorded_at FROM rm.audit_trail WHERE tenant = ANY($1)
                                  EXCEPT SELECT tenant, chain_position, stream_id, event_type, recorded_at FROM ledger.events WHERE tenant = ANY($1)) x
            """, tenants);
        Assert.Equal((0L, 0L), (missing, extra));

        // Every async projection's checkpoint is at each school's head and has taken in every event once.
        var counts = events.GroupBy(e => e.Tenant).ToDictionary(g => g.Key, g => (long)g.Count());
        var progress = await ProgressAsync(tenants);
        Assert.Equal(app.AsyncProjections.Length * tenants.Length, progress.Count);
        Assert.All(progress, p => Assert.Equal((p.Projection, p.Tenant, counts[p.Tenant], counts[p.Tenant], false), p));
    }

    [Fact]
    public async Task While_one_school_holds_an_append_open_for_seconds_another_schools_appends_are_projected_within_a_second()
    {
        var slow = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var other = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var slowPerson = slow.People[Role.Teacher];
        var otherPeople = other.People.Values.ToList();
        await app.ProjectionsCaughtUpAsync();

        // The slow school's last committed event, then its next append held open for 6 s.
        var committedFirst = await AppendAsync(slow.Urn, $"acknowledgements-{slowPerson:D}", slowPerson, 1, null);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hold = TimeSpan.FromSeconds(6);
        var held = Task.Run(() => AppendAsync(slow.Urn, $"acknowledgements-{slowPerson:D}", slowPerson, 1, new AppendPlan(hold, false, holding)));
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var heldFor = Stopwatch.StartNew();

        // The other school appends every 150 ms for 3.5 s; each append is timed to both async checkpoints covering it.
        var delays = new List<(TimeSpan Delay, bool BeforeTheHoldEnded)>();
        var i = 0;
        while (heldFor.Elapsed < TimeSpan.FromSeconds(3.5))
        {
            var person = otherPeople[i++ % otherPeople.Count];
            var result = await AppendAsync(other.Urn, $"acknowledgements-{person:D}", person, 1, null);
            var appended = Stopwatch.StartNew();
            await ProjectedAsync(other.Urn, result.Events[^1].ChainPosition, TimeSpan.FromSeconds(10));
            delays.Add((appended.Elapsed, !held.IsCompleted));
            await Task.Delay(150);
        }
        var slowCheckpointDuringHold = await CheckpointAsync(slow.Urn);
        var stillHeld = !held.IsCompleted;
        var slowCommitted = await held;
        var heldOpen = heldFor.Elapsed;
        await ProjectedAsync(slow.Urn, slowCommitted.Events[^1].ChainPosition, TimeSpan.FromSeconds(10));
        var slowProjected = heldFor.Elapsed - heldOpen;
        var sorted = delays.Select(d => d.Delay.TotalMilliseconds).Order().ToList();
        output.WriteLine($"held {heldOpen.TotalSeconds:0.0} s; {delays.Count} appends of the other school projected in " +
            $"p50 {sorted[sorted.Count / 2]:0} ms, max {sorted[^1]:0} ms; the held append projected {slowProjected.TotalMilliseconds:0} ms after its commit");

        Assert.True(heldOpen >= hold - TimeSpan.FromMilliseconds(500), $"the append was held {heldOpen}");
        // Had the other school waited for the held transaction, its first appends would have taken
        // about 6 s and every one would have been projected only after the hold ended.
        Assert.All(delays, d => Assert.True(d.BeforeTheHoldEnded && d.Delay < TimeSpan.FromSeconds(2.5),
            $"projected after {d.Delay.TotalMilliseconds:0} ms, {(d.BeforeTheHoldEnded ? "during" : "after")} the hold"));
        Assert.True(delays.Count >= 10, $"{delays.Count} appends measured");
        // The slow school's own committed event was projected during its hold too.
        Assert.True(stillHeld && slowCheckpointDuringHold >= committedFirst.Events[^1].ChainPosition,
            $"the slow school's checkpoint during its hold: {slowCheckpointDuringHold}, its last commit {committedFirst.Events[^1].ChainPosition}");
        Assert.Equal(0L, await ScalarAsync("""
            SELECT count(*) FROM ledger.events e WHERE e.tenant = ANY($1)
               AND NOT EXISTS (SELECT FROM rm.audit_trail a WHERE a.tenant = e.tenant AND a.position = e.chain_position)
            """, [slow.Urn, other.Urn]));
    }

    sealed record TestSchoolWithClient(string Urn, List<Guid> People, HttpClient Teacher);

    /// <summary>Acknowledgements by one person appended as the app appends them, suffering <paramref name="plan"/> inside the append's transaction.</summary>
    async Task<AppendResult> AppendAsync(string urn, string stream, Guid personId, int count, AppendPlan? plan, ExpectedVersion? expected = null)
    {
        SlowOrFailingAppends.Plan.Value = plan;
        try
        {
            return await app.LedgerStore.AppendAsync(new AppendRequest(urn, stream, "acknowledgements", expected ?? ExpectedVersion.Any,
                [.. Enumerable.Range(0, count).Select(_ => EventTypes.ToNewEvent(new PolicyAcknowledged("social-media", "1",
                    PeopleAndPolicyContractTests.Sha, personId, AcknowledgementMethod.InApp, DateTimeOffset.UtcNow, null)))],
                new EventMetadata($"person:{personId:D}")));
        }
        finally
        {
            SlowOrFailingAppends.Plan.Value = null;
        }
    }

    static void Record(ConcurrentBag<(string, long, Guid)> acknowledged, AppendResult result, string urn)
    {
        foreach (var e in result.Events)
        {
            acknowledged.Add((urn, e.ChainPosition, e.EventId));
        }
    }

    /// <summary>The school's slowest async checkpoint (0 before any).</summary>
    async Task<long> CheckpointAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand("""
            SELECT COALESCE(min(COALESCE(p.position, 0)), 0) FROM unnest($2::text[]) AS pr(projection)
              LEFT JOIN ledger.projection_progress p ON p.projection = pr.projection AND p.tenant = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = app.AsyncProjections });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    async Task ProjectedAsync(string urn, long position, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (await CheckpointAsync(urn) < position)
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"{urn} position {position} not projected in {timeout}");
            }
            await Task.Delay(5);
        }
    }

    async Task<List<(string Tenant, long Position, Guid EventId, string StreamId)>> EventsAsync(string[] tenants)
    {
        await using var command = app.AdminDataSource.CreateCommand(
            "SELECT tenant, chain_position, event_id, stream_id FROM ledger.events WHERE tenant = ANY($1) ORDER BY tenant, chain_position");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tenants });
        var events = new List<(string, long, Guid, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add((reader.GetString(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetString(3)));
        }
        return events;
    }

    /// <summary>Per async projection and school: its checkpoint, the events taken in, whether paused (no row: 0, 0, false).</summary>
    async Task<List<(string Projection, string Tenant, long Position, long Processed, bool Paused)>> ProgressAsync(string[] tenants)
    {
        await using var command = app.AdminDataSource.CreateCommand("""
            SELECT pr.projection, t.tenant, COALESCE(p.position, 0), COALESCE(p.processed, 0), p.paused_at IS NOT NULL
              FROM unnest($1::text[]) AS t(tenant) CROSS JOIN unnest($2::text[]) AS pr(projection)
              LEFT JOIN ledger.projection_progress p ON p.projection = pr.projection AND p.tenant = t.tenant
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tenants });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = app.AsyncProjections });
        var rows = new List<(string, string, long, long, bool)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetBoolean(4)));
        }
        return rows;
    }

    async Task<long> ScalarAsync(string sql, string[] tenants)
    {
        await using var command = app.AdminDataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tenants });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
