namespace ComplianceLedger.Api.Demo;

/// <summary>
/// A simulated clock for replaying a school's history into the ledger, so every event is
/// recorded at the moment it happened in the story and "as of" a past date means something.
/// Scripts (a policy's publications, one exception's steps, one account's) run as if side by
/// side: each waits for its next moment, and the script whose moment is earliest runs next,
/// alone, with the clock set to that moment. So what is recorded is in time order, as the
/// chain and the "as of" lookups require, while each script still reads as a plain sequence.
/// </summary>
public sealed class DemoClock : TimeProvider
{
    readonly object gate = new();
    readonly PriorityQueue<TaskCompletionSource, (DateTimeOffset At, long Order)> waiting = new();
    DateTimeOffset now;
    long order;
    int running;
    TaskCompletionSource idle = New();

    /// <param name="start">Where the history begins.</param>
    /// <param name="end">Where it ends (the real present): no moment is ever later.</param>
    public DemoClock(DateTimeOffset start, DateTimeOffset end)
    {
        (now, End) = (start, end);
    }

    public DateTimeOffset End { get; }

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate)
        {
            return now;
        }
    }

    /// <summary>Runs <paramref name="main"/> (which may start more scripts with <see cref="TogetherAsync"/>) through the simulated time.</summary>
    public async Task RunAsync(Func<Task> main)
    {
        var task = Start(Enqueue(now), main);
        while (true)
        {
            TaskCompletionSource next;
            lock (gate)
            {
                if (!waiting.TryDequeue(out next!, out var key))
                {
                    break;
                }
                now = key.At > now ? key.At : now;
                running = 1;
                idle = New();
            }
            next.SetResult();
            await idle.Task;
        }
        // Completed by now; this surfaces its exception, if any.
        await task;
    }

    /// <summary>Waits (in simulated time) until <paramref name="moment"/>; a moment already past, or beyond the end, is clamped.</summary>
    public Task WaitUntilAsync(DateTimeOffset moment)
    {
        TaskCompletionSource wake;
        lock (gate)
        {
            wake = Enqueue(moment);
            Leave();
        }
        return wake.Task;
    }

    /// <summary>Runs the scripts side by side in simulated time and returns when all have finished.</summary>
    public async Task TogetherAsync(IReadOnlyList<Func<Task>> scripts)
    {
        if (scripts.Count == 0)
        {
            return;
        }
        TaskCompletionSource resume = New();
        var left = scripts.Count;
        var tasks = new List<Task>(scripts.Count);
        lock (gate)
        {
            foreach (var script in scripts)
            {
                tasks.Add(Start(Enqueue(now), async () =>
                {
                    try
                    {
                        await script();
                    }
                    finally
                    {
                        lock (gate)
                        {
                            if (--left == 0)
                            {
                                // The last to finish wakes the caller, as one more waiter at the present moment.
                                waiting.Enqueue(resume, (now, order++));
                            }
                        }
                    }
                }));
            }
            Leave();
        }
        await resume.Task;
        await Task.WhenAll(tasks);
    }

    async Task Start(TaskCompletionSource wake, Func<Task> script)
    {
        await wake.Task;
        try
        {
            await script();
        }
        finally
        {
            lock (gate)
            {
                Leave();
            }
        }
    }

    TaskCompletionSource Enqueue(DateTimeOffset moment)
    {
        var at = moment < now ? now : moment > End ? End : moment;
        var wake = New();
        waiting.Enqueue(wake, (at, order++));
        return wake;
    }

    // Called under the lock by the running script as it stops running (waits or finishes).
    void Leave()
    {
        if (--running == 0)
        {
            idle.TrySetResult();
        }
    }

    static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
