using ComplianceLedger.EventStore;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ComplianceLedger.Api.Hosting;

public static class Telemetry
{
    public const string ServiceName = "compliance-ledger";

    /// <summary>Marten's activity source and meter (Marten's MartenTracing and event counters).</summary>
    public const string MartenSource = "Marten";

    /// <summary>Wolverine's activity source (WolverineTracing.ActivitySource): a span per message sent, scheduled or handled.</summary>
    public const string WolverineSource = "Wolverine";

    /// <summary>Wolverine names its meter after the service ("Wolverine:" + WolverineOptions.ServiceName, set to <see cref="ServiceName"/>).</summary>
    public const string WolverineMeter = "Wolverine:" + ServiceName;

    /// <summary>
    /// Traces, metrics and logs through OpenTelemetry's hosting integration, exported over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Spans are recorded only then: with nowhere to send
    /// them, recording a span for every request and every SQL command only costs CPU (a tenth of a
    /// cheap request's, measured in docs/benchmarks.md). Metrics are always collected, for the
    /// health check and the gauges. The host starts and flushes the providers.
    /// </summary>
    public static WebApplicationBuilder AddLedgerTelemetry(this WebApplicationBuilder builder)
    {
        var exportOtlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics.AddMeter(
                "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Npgsql", LedgerTelemetry.SourceName, MartenSource, WolverineMeter))
            .WithLogging(_ => { }, logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            });
        if (exportOtlp)
        {
            otel.WithTracing(tracing => tracing.AddSource("Microsoft.AspNetCore", LedgerTelemetry.SourceName, MartenSource, WolverineSource).AddNpgsql());
            otel.UseOtlpExporter();
        }
        return builder;
    }
}
