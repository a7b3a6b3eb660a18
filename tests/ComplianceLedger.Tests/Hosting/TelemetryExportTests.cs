using System.Collections.Concurrent;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Hosting;

/// <summary>An OTLP receiver on loopback (HTTP/protobuf): it only counts what arrives at each signal's path.</summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    readonly WebApplication receiver;

    public ConcurrentDictionary<string, int> Received { get; } = new(StringComparer.Ordinal);

    /// <summary>Each OTLP trace export as received (protobuf, in which scope names are plain UTF-8).</summary>
    public ConcurrentBag<byte[]> TraceBodies { get; } = [];

    /// <summary>Whether any trace export names this instrumentation scope (an ActivitySource).</summary>
    public bool TracedBy(string scope)
    {
        var name = System.Text.Encoding.UTF8.GetBytes(scope);
        return TraceBodies.Any(body => body.AsSpan().IndexOf(name) >= 0);
    }

    public string Endpoint { get; }

    public OtlpReceiver()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        receiver = builder.Build();
        receiver.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            if (body.Length > 0)
            {
                Received.AddOrUpdate(signal, 1, (_, n) => n + 1);
                if (signal == "traces")
                {
                    TraceBodies.Add(body.ToArray());
                }
            }
            return Results.Ok();
        });
        receiver.StartAsync().GetAwaiter().GetResult();
        Endpoint = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async ValueTask DisposeAsync() => await receiver.DisposeAsync();
}

/// <summary>The app with OTEL_EXPORTER_OTLP_ENDPOINT set, exporting quickly to the receiver.</summary>
public sealed class ExportingLedgerApp : LedgerApp
{
    public OtlpReceiver Receiver { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder web)
    {
        web.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", Receiver.Endpoint);
        web.UseSetting("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        web.UseSetting("OTEL_BSP_SCHEDULE_DELAY", "200");
        web.UseSetting("OTEL_BLRP_SCHEDULE_DELAY", "200");
        web.UseSetting("OTEL_METRIC_EXPORT_INTERVAL", "500");
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

public sealed class TelemetryExportTests(ExportingLedgerApp app) : IClassFixture<ExportingLedgerApp>
{
    [Fact]
    public async Task With_an_OTLP_endpoint_the_app_exports_request_database_and_message_spans_metrics_and_logs()
    {
        var school = await app.SchoolAsync("300777", Role.Headteacher);
        var head = await school.As(Role.Headteacher);
        (await head.PostAsync($"/api/schools/{school.Urn}/checkpoints", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
            .EnsureSuccessStatusCode();

        // A message through Wolverine (one that names no school, so its handler leaves it alone).
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<Wolverine.IMessageBus>().InvokeAsync(
                new ComplianceLedger.Api.Exceptions.ExpiryDue(school.Urn, Guid.NewGuid(), new DateOnly(2026, 1, 1)));
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string[] signals = ["traces", "metrics", "logs"];
        bool AllArrived() => signals.All(app.Receiver.Received.ContainsKey)
            && app.Receiver.TracedBy("Microsoft.AspNetCore") && app.Receiver.TracedBy("Npgsql") && app.Receiver.TracedBy("Wolverine");
        while (!AllArrived() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.True(signals.All(app.Receiver.Received.ContainsKey),
            "received: " + string.Join(", ", app.Receiver.Received.Select(r => $"{r.Key} x{r.Value}")));
        Assert.True(app.Receiver.TracedBy("Microsoft.AspNetCore"), "no request spans were exported");
        Assert.True(app.Receiver.TracedBy("Npgsql"), "no database spans were exported");
        Assert.True(app.Receiver.TracedBy("Wolverine"), "no Wolverine spans were exported");
    }
}
