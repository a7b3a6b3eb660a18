using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Exceptions.Pages;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>The governors' registers of exceptions and of declared relationships, readable as the dashboard is.</summary>
public static class ExceptionRegisterPages
{
    public static RouteGroupBuilder MapRegisterPages(this RouteGroupBuilder school)
    {
        school.MapGet("/registers/exceptions", (string urn, ReadModelReader readModels, PersonalDataVault vault, TimeProvider time, CancellationToken ct, string? asOf) =>
            RegisterAsync(urn, ExceptionRegister.Exceptions, readModels, vault, time, asOf, ct)).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders();
        school.MapGet("/registers/relationships", (string urn, ReadModelReader readModels, PersonalDataVault vault, TimeProvider time, CancellationToken ct, string? asOf) =>
            RegisterAsync(urn, ExceptionRegister.Relationships, readModels, vault, time, asOf, ct)).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders();
        return school;
    }

    static async Task<RazorComponentResult<RegisterPage>> RegisterAsync(
        string urn, string subject, ReadModelReader readModels, PersonalDataVault vault, TimeProvider time, string? asOf, CancellationToken ct)
    {
        asOf = CompliancePages.Asked(asOf);
        var today = SchoolDay.Today(time);
        try
        {
            await using var scope = await readModels.OpenAsync(urn, asOf, ct);
            var listing = await ExceptionRegister.ListAsync(scope, vault, urn, subject, ct);
            var name = await CompliancePages.SchoolNameAsync(scope, urn, ct);
            return new RazorComponentResult<RegisterPage>(new { Urn = urn, Subject = subject, Asked = asOf, Today = today, SchoolName = name, Listing = listing });
        }
        catch (CommandRefusedException e) when (asOf is not null)
        {
            return new RazorComponentResult<RegisterPage>(new { Urn = urn, Subject = subject, Asked = asOf, Today = today, Refusal = e.Message }) { StatusCode = e.Status };
        }
    }
}
