using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using Marten;
using Npgsql;
using Wolverine;
using Wolverine.Marten;
using Wolverine.Runtime;

namespace ComplianceLedger.Api.Retention;

/// <summary>The message: the daily retention sweep is due at <see cref="DueAt"/> (every school, one message); <see cref="Id"/> says which schedule it is.</summary>
public sealed record RetentionSweepDue(Guid Id, DateTimeOffset DueAt);

/// <summary>
/// The daily sweep's schedule: at <c>Ledger:Retention:Daily:At</c> (default 02:00, the school's
/// time) a durable Wolverine message runs <see cref="RetentionSweep"/> for the day and schedules the
/// next, with the row of <c>ledger.retention_schedule</c> that names the one message that may act
/// (migration 100). Written through Wolverine's outbox on a Marten session: the row and the message
/// commit together.
/// </summary>
public sealed partial class RetentionSchedule(
    NpgsqlDataSource dataSource, IDocumentStore marten, IWolverineRuntime runtime, TimeProvider time, IConfiguration configuration, ILogger<RetentionSchedule> log)
{
    /// <summary>The first moment at or after <paramref name="after"/> that is the daily time on a school day.</summary>
    public static DateTimeOffset Next(DateTimeOffset after, TimeOnly at)
    {
        var day = SchoolDay.Of(after);
        for (var i = 0; ; i++)
        {
            var moment = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(day.AddDays(i).ToDateTime(at), SchoolDay.Zone), TimeSpan.Zero);
            if (moment > after)
            {
                return RetentionSchedule.Truncate(moment);
            }
        }
    }

    /// <summary>Microseconds: PostgreSQL keeps no finer, and the message's moment is compared with the row's.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset moment) => new(moment.UtcTicks - moment.UtcTicks % 10, TimeSpan.Zero);

    public TimeOnly At => configuration.GetValue<TimeOnly?>("Ledger:Retention:Daily:At") ?? new TimeOnly(2, 0);

    /// <summary>The row: the moment and the message that may act then; null before the first schedule.</summary>
    public async Task<(DateTimeOffset DueAt, Guid MessageId)?> CurrentAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT due_at, message_id FROM ledger.retention_schedule WHERE id = 'daily'");
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetFieldValue<DateTimeOffset>(0), reader.GetGuid(1)) : null;
    }

    /// <summary>
    /// At start-up: the first schedule, or one again when the row's moment passed more than a day ago
    /// (its message was lost, e.g. Wolverine's tables were restored without it). Otherwise the message
    /// already waiting for the row's moment stands.
    /// </summary>
    public async Task EnsureAsync(CancellationToken ct)
    {
        var current = await CurrentAsync(ct);
        var now = time.GetUtcNow();
        if (current is { } waiting && waiting.DueAt > now - TimeSpan.FromDays(1))
        {
            return;
        }
        await ScheduleAsync(current is null ? Next(now, At) : now, first: current is null, ct);
    }

    /// <summary>Moves the sweep to <paramref name="at"/>: the message scheduled before no longer finds its moment and does nothing.</summary>
    public Task RescheduleAsync(DateTimeOffset at, CancellationToken ct) => ScheduleAsync(at, first: false, ct);

    /// <summary>After a run for <paramref name="ranFor"/>: the next day's moment, by the message that ran (<paramref name="ran"/>), if it is still the row's.</summary>
    internal async Task ScheduleNextAsync(Guid ran, DateOnly ranFor, CancellationToken ct)
    {
        var next = Next(time.GetUtcNow(), At);
        var message = new RetentionSweepDue(Guid.CreateVersion7(), next);
        await using var session = marten.LightweightSession();
        // Had another message taken the row meanwhile, this next one would find itself not the row's and do nothing.
        session.QueueSqlCommand("UPDATE ledger.retention_schedule SET due_at = ?, message_id = ?, last_run_on = ? WHERE id = 'daily' AND message_id = ?",
            next, message.Id, ranFor, ran);
        await new MartenOutbox(runtime, session).ScheduleAsync(message, ScheduledWork.WallClockOf(time, next));
        await session.SaveChangesAsync(ct);
    }

    /// <param name="first">The first schedule: two nodes starting at once each write one, and the row keeps the first (the other's message does nothing).</param>
    async Task ScheduleAsync(DateTimeOffset at, bool first, CancellationToken ct)
    {
        var message = new RetentionSweepDue(Guid.CreateVersion7(), Truncate(at));
        await using var session = marten.LightweightSession();
        session.QueueSqlCommand(first
            ? "INSERT INTO ledger.retention_schedule (id, due_at, message_id) VALUES ('daily', ?, ?) ON CONFLICT (id) DO NOTHING"
            : """
              INSERT INTO ledger.retention_schedule (id, due_at, message_id) VALUES ('daily', ?, ?)
              ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, message_id = excluded.message_id
              """, message.DueAt, message.Id);
        await new MartenOutbox(runtime, session).ScheduleAsync(message, ScheduledWork.WallClockOf(time, message.DueAt));
        await session.SaveChangesAsync(ct);
        LogScheduled(log, message.DueAt);
    }

    [LoggerMessage(LogLevel.Information, "Retention's daily sweep scheduled for {At}")]
    static partial void LogScheduled(ILogger log, DateTimeOffset at);
}

/// <summary>
/// Runs the day's sweep if the message is still the row's (its id), then schedules the next. The sweep is
/// idempotent: a message redelivered after a crash sweeps again and records nothing twice.
/// </summary>
public static partial class RetentionSweepDueHandler
{
    public static async Task Handle(
        RetentionSweepDue due, RetentionSchedule schedule, RetentionSweep sweep, TimeProvider time, IMessageContext bus, ILogger<RetentionSweepDue> log,
        CancellationToken ct)
    {
        if (await schedule.CurrentAsync(ct) is not { } current || current.MessageId != due.Id)
        {
            LogSuperseded(log, due.DueAt);
            return;
        }
        var now = time.GetUtcNow();
        if (now < due.DueAt)
        {
            // Delivered early (a clock moved): wait for the moment again.
            await bus.ScheduleAsync(due, ScheduledWork.WallClockOf(time, due.DueAt));
            return;
        }
        var today = SchoolDay.Of(now);
        var erased = await sweep.RunAsync(today, ct);
        LogSwept(log, today, erased.Count);
        await schedule.ScheduleNextAsync(due.Id, today, ct);
    }

    [LoggerMessage(LogLevel.Information, "Retention sweep due at {DueAt} was superseded; nothing to do")]
    static partial void LogSuperseded(ILogger log, DateTimeOffset dueAt);

    [LoggerMessage(LogLevel.Information, "Retention sweep for {Day}: {Count} subject(s) erased")]
    static partial void LogSwept(ILogger log, DateOnly day, int count);
}

/// <summary>Schedules the first sweep once the app (and Wolverine) has started.</summary>
internal sealed partial class RetentionScheduleService(RetentionSchedule schedule, IHostApplicationLifetime lifetime, ILogger<RetentionScheduleService> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        try
        {
            await schedule.EnsureAsync(stoppingToken);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            LogNotScheduled(log, e);
        }
    }

    [LoggerMessage(LogLevel.Error, "Retention's daily sweep could not be scheduled at start-up")]
    static partial void LogNotScheduled(ILogger log, Exception e);
}

public static class RetentionSetup
{
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddSingleton<RetentionSweep>();
        services.AddSingleton<RetentionSchedule>();
        services.AddHostedService<RetentionScheduleService>();
        return services;
    }
}
