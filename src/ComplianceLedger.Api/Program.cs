using ComplianceLedger.Api.Acknowledgements;
using ComplianceLedger.Api.AuditTrail;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Credentials;
using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Health;
using ComplianceLedger.Api.Home;
using ComplianceLedger.Api.Hosting;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.Api.Projections;
using ComplianceLedger.Api.Receipts;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.SignIn;
using ComplianceLedger.Api.ToDo;
using ComplianceLedger.Api.Trusts;
using ComplianceLedger.Api.Web;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerTelemetry();
builder.AddLedger();
builder.AddLedgerProblemDetails();
builder.AddLedgerSignIn();
builder.AddLedgerOpenApi();
builder.AddLedgerPages();

var app = builder.Build();
if (!await StartupChecks.ReadyToStartAsync(app))
{
    return 1;
}
app.UseServerTiming();
app.UseExceptionHandler();
app.UseSecurityHeaders();
app.UseStatusCodePages();
app.UseStaticFiles();
app.UseQueryTextCheck();
app.UseAuthentication();
app.UseAuthorization();
app.UseSchoolMembership();
app.UseSecretGuard();
// After the guard: the antiforgery check reads the form, which the guard must see first.
app.UseAntiforgery();
app.UseIdempotencyKeys();

app.MapOpenApi();
if (app.Environment.IsDevelopment())
{
    // The API reference page, read from /openapi/v1.json.
    app.MapScalarApiReference();
}
app.MapHealth();
app.MapFrontDoor(app.Environment);
app.MapSchoolPages()
    .MapToDoPages()
    .MapAcknowledgementPages()
    .MapStaffRequestPages()
    .MapDecisionPages()
    .MapMyAccountsPages()
    .MapAccountPages()
    .MapPeoplePages()
    .MapPolicyAdminPages()
    .MapReceiptPages()
    .MapCompliancePages()
    .MapRegisterPages()
    .MapAuditTrailPages();
app.MapTrustPages();
app.MapProjections();
app.MapSigningKey();
app.MapSignIn(app.Environment);
app.MapTrusts();
app.MapSchool()
    .MapLedger(app.Configuration)
    .MapPeople()
    .MapPolicies()
    .MapCompliance()
    .MapExceptions()
    .MapOfficialAccounts()
    .MapCredentials()
    .MapAuditTrail()
    .MapToDo()
    .MapSetAccountRules();
await app.RunAsync();
return 0;

public partial class Program;
