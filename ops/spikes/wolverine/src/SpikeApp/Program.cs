using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.Events;
using Marten;
using Marten.Exceptions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using SpikeApp;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Http;
using Wolverine.Marten;

var started = DateTimeOffset.UtcNow;
var builder = WebApplication.CreateBuilder(args);
var connection = builder.Configuration.GetConnectionString("Marten") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=spike";
var noDdl = builder.Configuration["Spike:NoDdl"] == "true";

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<LedgerExceptionHandler>();
builder.Services.AddOpenApi();

builder.Services.AddMarten(o =>
{
    o.Connection(connection);
    o.DatabaseSchemaName = "ledger";
    o.Events.StreamIdentity = StreamIdentity.AsString;
    o.Events.TenancyStyle = JasperFx.MultiTenancy.TenancyStyle.Conjoined;
    o.Policies.AllDocumentsAreMultiTenanted();
    o.Events.MapEventType<ExceptionRequested>("exception.requested.v1");
    o.Events.MapEventType<ExceptionApproved>("exception.approved.v1");
    o.Events.MapEventType<ExceptionExpired>("exception.expired.v1");
    if (noDdl)
    {
        o.AutoCreateSchemaObjects = AutoCreate.None;
    }
})
.UseLightweightSessions()
.IntegrateWithWolverine(w => w.MessageStorageSchemaName = "wolverine");

builder.Host.UseWolverine(opts =>
{
    opts.Policies.AutoApplyTransactions();
    opts.Policies.UseDurableLocalQueues();
    opts.Policies.UseDurableInboxOnAllListeners();
    opts.Policies.UseDurableOutboxOnAllSendingEndpoints();
    opts.Durability.ScheduledJobPollingTime = TimeSpan.FromMilliseconds(500);
    opts.Durability.ScheduledJobFirstExecution = TimeSpan.FromMilliseconds(200);
    if (noDdl)
    {
        opts.AutoBuildMessageStorageOnStartup = AutoCreate.None;
    }
    opts.OnException<ConcurrencyException>().RetryTimes(3);
#if RUNTIME_COMPILATION
    opts.CodeGeneration.TypeLoadMode = TypeLoadMode.Dynamic;
#else
    opts.CodeGeneration.TypeLoadMode = TypeLoadMode.Static;
#endif
});
builder.Services.AddWolverineHttp();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapOpenApi();
app.MapWolverineEndpoints(o => o.TenantId.IsRouteArgumentNamed("urn"));
MinimalEndpoints.Map(app);
app.MapGet("/health/live", () => TypedResults.Ok("live"));
app.Lifetime.ApplicationStarted.Register(() =>
    app.Logger.LogInformation("spike started in {Ms} ms", (DateTimeOffset.UtcNow - started).TotalMilliseconds));
return await app.RunJasperFxCommands(args);

public partial class Program;

/// <summary>Every refusal is an RFC 7807 problem: stale If-Match (Marten's ConcurrencyException) is 412.</summary>
sealed class LedgerExceptionHandler(IProblemDetailsService problems, ILogger<LedgerExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception e, CancellationToken ct)
    {
        log.LogInformation("mapping {Type}", e.GetType().FullName);
        var (status, title, detail) = e switch
        {
            ConcurrencyException => (412, "The record has changed", "If-Match names a version that is no longer current: read it again."),
            CommandRefusedException r => (r.Status, "Refused", r.Message),
            _ => (0, "", ""),
        };
        if (status == 0)
        {
            return false;
        }
        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new() { HttpContext = http, ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail } });
    }
}
