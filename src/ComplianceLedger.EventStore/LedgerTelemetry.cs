using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ComplianceLedger.EventStore;

/// <summary>The ledger's own OpenTelemetry source and meter.</summary>
public static class LedgerTelemetry
{
    public const string SourceName = "ComplianceLedger";

    public static readonly ActivitySource Source = new(SourceName);
    public static readonly Meter Meter = new(SourceName);

    public static readonly Counter<long> EventsAppended =
        Meter.CreateCounter<long>("ledger.events.appended", "{event}", "Events appended to the ledger.");

    public static readonly Histogram<double> AppendDuration =
        Meter.CreateHistogram<double>("ledger.append.duration", "s", "Time to append one command's events.");

    public static readonly Counter<long> WakeUpsLost =
        Meter.CreateCounter<long>("ledger.projection.wakeups.lost", "{school}", "Daemon wake-ups not sent after an append (the daemon's poll finds those schools).");

    public static readonly Counter<long> ProjectionEventsApplied =
        Meter.CreateCounter<long>("ledger.projection.events.applied", "{event}", "Events taken in by async projections.");

    public static readonly Histogram<double> ProjectionDelay =
        Meter.CreateHistogram<double>("ledger.projection.delay", "s", "From an event being recorded to an async projection applying it.");
}
