using ComplianceLedger.Api.Acknowledgements.Pages;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.Api.Receipts;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.ToDo;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace ComplianceLedger.Api.Acknowledgements;

/// <summary>
/// A policy as a member of staff reads it: its current version and document fingerprint, and,
/// while it is theirs to acknowledge, the acknowledgement (ticked and confirmed) or a refusal
/// with a reason. Both post to the same use cases as the API.
/// </summary>
public static class AcknowledgementPages
{
    // Forms bind to properties, not constructor parameters: a field left out (an unticked box)
    // must read as null, where a constructor parameter would be refused as missing.
    public sealed record AcknowledgeForm
    {
        public string? VersionLabel { get; init; }

        public string? DocumentSha256 { get; init; }

        public string? Confirm { get; init; }
    }

    public sealed record DeclineForm
    {
        public string? VersionLabel { get; init; }

        public string? Reason { get; init; }
    }

    public static RouteGroupBuilder MapAcknowledgementPages(this RouteGroupBuilder school)
    {
        school.MapGet("/policies/{policyId}", ShowAsync);
        school.MapPost("/policies/{policyId}/acknowledgement", AcknowledgeAsync);
        school.MapPost("/policies/{policyId}/refusal", DeclineAsync);
        return school;
    }

    static async Task<RazorComponentResult<PolicyPage>> ShowAsync(
        string urn, string policyId, SchoolMember member, ReadModelReader readModels, LedgerStore store, NpgsqlDataSource dataSource,
        HttpResponse response, CancellationToken ct, string? recorded = null) =>
        await RenderAsync(urn, policyId, member, readModels, store, dataSource, response, ct,
            received: await ReceiptPages.FindAsync(dataSource, member, long.TryParse(recorded, out var at) ? at : null, ct));

    static async Task<IResult> AcknowledgeAsync(
        string urn, string policyId, [FromForm] AcknowledgeForm? sent, CommandContext context, SchoolMember member,
        ReadModelReader readModels, LedgerStore store, NpgsqlDataSource dataSource, HttpResponse response, CancellationToken ct)
    {
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        if (form.Confirm != "yes")
        {
            return await RenderAsync(urn, policyId, member, readModels, store, dataSource, response, ct,
                errors: [new FieldError("confirm", "Tick the box to confirm you have read this version of the policy")], status: StatusCodes.Status400BadRequest);
        }
        return await PageForms.RunAsync(
            async () => (await AcknowledgePolicy.Handle(policyId, new(form.VersionLabel, form.DocumentSha256), context, store, response, ct)).Value!,
            $"/schools/{urn}/policies/{Uri.EscapeDataString(policyId)}",
            (errors, refusal, status) => RenderAsync(urn, policyId, member, readModels, store, dataSource, response, ct, errors, refusal, status));
    }

    static async Task<IResult> DeclineAsync(
        string urn, string policyId, [FromForm] DeclineForm? sent, CommandContext context, SchoolMember member, PersonalDataVault vault,
        ReadModelReader readModels, LedgerStore store, NpgsqlDataSource dataSource, HttpResponse response, CancellationToken ct)
    {
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        if (PageForms.Text(form.Reason) is null)
        {
            return await RenderAsync(urn, policyId, member, readModels, store, dataSource, response, ct,
                errors: [new FieldError("reason", "Enter why you cannot acknowledge this version")], status: StatusCodes.Status400BadRequest, declining: form.Reason);
        }
        return await PageForms.RunAsync(
            async () => (await DeclineToAcknowledge.Handle(policyId, new(form.VersionLabel, form.Reason), context, store, vault, response, ct)).Value!,
            $"/schools/{urn}/policies/{Uri.EscapeDataString(policyId)}",
            (errors, refusal, status) => RenderAsync(urn, policyId, member, readModels, store, dataSource, response, ct, errors, refusal, status, declining: form.Reason));
    }

    static async Task<RazorComponentResult<PolicyPage>> RenderAsync(
        string urn, string policyId, SchoolMember member, ReadModelReader readModels, LedgerStore store, NpgsqlDataSource dataSource,
        HttpResponse response, CancellationToken ct, IReadOnlyList<FieldError>? errors = null, string? refusal = null, int status = StatusCodes.Status200OK,
        string? declining = null, Receipt? received = null)
    {
        var policy = (await ShowPolicy.Handle(urn, policyId, readModels, store, response, ct)).Value!;
        // Theirs to answer while it is on their to-do: the same judgement as the to-do's.
        var toDo = (await MyToDo.Handle(urn, member, readModels, ct)).Value!;
        var due = toDo.Items.FirstOrDefault(i => i.Kind == "acknowledge" && i.PolicyId == policyId);
        return new RazorComponentResult<PolicyPage>(new
        {
            Urn = urn,
            Policy = policy.Item,
            Due = due,
            Errors = errors ?? [],
            Refusal = refusal,
            Declining = declining,
            Received = received,
            FormKey = Guid.NewGuid().ToString("D"),
        })
        { StatusCode = status };
    }
}
