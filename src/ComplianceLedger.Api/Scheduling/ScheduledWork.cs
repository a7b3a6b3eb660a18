using ComplianceLedger.Api.Hosting;
using ComplianceLedger.EventStore.Migrations;
using JasperFx;
using JasperFx.CodeGeneration;
using Marten;
using Wolverine;
using Wolverine.Marten;
using Wolverine.Runtime;

namespace ComplianceLedger.Api.Scheduling;

/// <summary>
/// Work the ledger does at a date rather than on a request (an approval lapsing), as durable
/// Wolverine messages: scheduled in the transaction of the append that makes them due (through
/// Wolverine's outbox on the append's Marten session), stored in PostgreSQL (schema
/// <c>wolverine</c>), handled once at their time by whichever node's durability agent takes
/// them, after any restart. Commands stay minimal API endpoints (docs/decisions.md).
/// </summary>
public sealed class ScheduledWork(IWolverineRuntime runtime, TimeProvider time)
{
    /// <summary>
    /// For <see cref="EventStore.AppendRequest.BeforeCommit"/>: schedules <paramref name="message"/>
    /// for the school at <paramref name="due"/> (on the app's clock) in the append's transaction.
    /// A fresh outbox per call, so an append retried after a concurrent write schedules only once.
    /// </summary>
    public Func<IDocumentSession, CancellationToken, Task> Schedule(string urn, object message, DateTimeOffset due) => async (session, _) =>
    {
        // The tenant is not taken from the session: without it the handler would run for no school.
        var outbox = new MartenOutbox(runtime, session) { TenantId = urn };
        var at = WallClockOf(time, due);
        if (at <= DateTimeOffset.UtcNow)
        {
            // Due already: straight to the durable local queue after commit. Scheduled, it would wait
            // for the poller, which takes a batch per poll (docs/decisions.md, "Scheduled messages").
            await outbox.PublishAsync(message);
            return;
        }
        await outbox.ScheduleAsync(message, at);
    };

    /// <summary>
    /// Wolverine fires a scheduled message by the wall clock (its poller reads the system time), not
    /// by the app's <see cref="TimeProvider"/>: a clock that runs otherwise (a simulation, a test)
    /// says where its moment falls on the wall clock; the system clock's moments are their own.
    /// </summary>
    public static DateTimeOffset WallClockOf(TimeProvider time, DateTimeOffset moment) =>
        time is IWallClockMapping mapping ? mapping.WallClockOf(moment) : moment;
}

/// <summary>A clock other than the system's that knows where its moments fall on the wall clock.</summary>
public interface IWallClockMapping
{
    DateTimeOffset WallClockOf(DateTimeOffset moment);
}

public static class ScheduledWorkSetup
{
    /// <summary>
    /// Wolverine in the app: durable local queues, message storage made by <c>ledger migrate</c>
    /// (the app role may not change it), handlers found in this assembly. Settings that depend on
    /// configuration are read when the host is built (test hosts give theirs after Program starts).
    /// </summary>
    public static IServiceCollection AddScheduledWork(this IServiceCollection services)
    {
        services.AddWolverine(options =>
        {
            options.ServiceName = Telemetry.ServiceName;
            options.ApplicationAssembly = typeof(ScheduledWork).Assembly;
            options.Policies.UseDurableLocalQueues();
            options.AutoBuildMessageStorageOnStartup = AutoCreate.None;
            // Handler code is pre-generated (Internal/Generated, checked by GeneratedCodeTests): no
            // Roslyn at run time, and a first message in 16 ms rather than 1.5 s (docs/decisions.md).
            options.CodeGeneration.TypeLoadMode = TypeLoadMode.Static;
        });
        services.AddSingleton<IWolverineExtension, FromConfiguration>();
        services.AddSingleton<ScheduledWork>();
        return services;
    }
}

/// <summary>Wolverine settings from configuration (<see cref="ScheduledWorkSetup.AddScheduledWork"/>).</summary>
internal sealed class FromConfiguration(IConfiguration configuration) : IWolverineExtension
{
    public void Configure(WolverineOptions options)
    {
        // How often a node looks for scheduled messages that are due, and how many it takes each
        // time (Wolverine's defaults, 5 s and 100, cap a node at 20 a second: a trust's 07:00
        // reminders would take minutes; docs/decisions.md, "Scheduled messages").
        var poll = configuration.GetValue<TimeSpan?>("Ledger:Scheduling:PollInterval") ?? TimeSpan.FromSeconds(1);
        options.Durability.ScheduledJobPollingTime = poll;
        options.Durability.ScheduledJobFirstExecution = poll;
        options.Durability.RecoveryBatchSize = configuration.GetValue<int?>("Ledger:Scheduling:BatchSize") ?? 1000;
    }
}
