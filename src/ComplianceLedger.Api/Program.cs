using ComplianceLedger.Api.Acknowledgements;
using ComplianceLedger.Api.AuditTrail;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Credentials;
using ComplianceLedger.Api.EvidencePacks;
using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Health;
using ComplianceLedger.Api.Home;
using ComplianceLedger.Api.Hosting;
using ComplianceLedger.Api.Import;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Mail;
using ComplianceLedger.Api.Notices;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.Api.Projections;
using ComplianceLedger.Api.Receipts;
using ComplianceLedger.Api.Retention;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.SignIn;
using ComplianceLedger.Api.SignIn.LocalProvider;
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
app.UseQueryTextCheck();
// Before authentication: a provider's callback is answered inside it.
app.UseSignInRateLimit();
app.UseLocalProvider();
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
// The built GOV.UK Frontend files: fingerprinted, compressed at build time, cached.
app.MapStaticAssets();
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
    .MapAuditTrailPages()
    .MapEvidencePackPages()
    .MapRetentionPages()
    .MapImportPages();
app.MapTrustPages();
app.MapNotices();
app.MapProjections();
app.MapSigningKey();
app.MapSignIn(app.Environment);
app.MapDevMail(app.Environment);
app.MapLocalProvider(app.Configuration, app.Logger, app.Environment);
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
    .MapEvidencePacks()
    .MapSetAccountRules();
await app.RunAsync();
return 0;

public partial class Program;
