using ComplianceLedger.EventStore;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ComplianceLedger.Api.Hosting;

public static class Telemetry
{
    public const string ServiceName = "compliance-ledger";

    /// <summary>
    /// Traces and metrics through the OpenTelemetry SDK (OpenTelemetry.Extensions.Hosting is not
    /// available here), exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// Spans are recorded only then: with nowhere to send them, recording a span for every request
    /// and every SQL command only costs CPU (a tenth of a cheap request's, measured in
    /// docs/benchmarks.md). Metrics are always collected, for the health check and the gauges.
    /// </summary>
    public static WebApplicationBuilder AddLedgerTelemetry(this WebApplicationBuilder builder)
    {
        var exportOtlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var sdk = OpenTelemetrySdk.Create(otel =>
        {
            otel.ConfigureResource(resource => resource.AddService(ServiceName));
            if (exportOtlp)
            {
                otel.WithTracing(tracing => tracing.AddSource("Microsoft.AspNetCore", "Npgsql", LedgerTelemetry.SourceName));
            }
            otel.WithMetrics(metrics => metrics.AddMeter(
                "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Npgsql", LedgerTelemetry.SourceName));
            if (exportOtlp)
            {
                otel.UseOtlpExporter();
            }
        });
        builder.Services.AddSingleton(sdk);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(ServiceName));
            if (exportOtlp)
            {
                logging.AddOtlpExporter();
            }
        });
        builder.Services.AddHostedService<TelemetryLifetime>();
        return builder;
    }

    /// <summary>Flushes and disposes the SDK when the application stops.</summary>
    sealed class TelemetryLifetime(OpenTelemetrySdk sdk, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStopped.Register(sdk.Dispose);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
