using ComplianceLedger.Api.Health;
using ComplianceLedger.Api.Hosting;
using ComplianceLedger.Api.Ledger;

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerTelemetry();
builder.AddLedger();
builder.AddLedgerProblemDetails();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapHealth();
app.MapLedger();
app.Run();

public partial class Program;
