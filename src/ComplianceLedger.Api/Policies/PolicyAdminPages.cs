using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Policies.Pages;
using ComplianceLedger.Api.Receipts;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace ComplianceLedger.Api.Policies;

/// <summary>
/// The school's policies as the office and leadership keep them: each policy's current version,
/// ratification and next review; publishing a version by uploading its document, whose SHA-256
/// is computed from the bytes as they arrive (nobody types a fingerprint); and the document
/// itself for staff to read, or where to find it when the school holds it on paper.
/// </summary>
public static class PolicyAdminPages
{
    /// <summary>Who publishes a version: as the API.</summary>
    public static readonly Role[] Publishers = [Role.Headteacher, Role.Slt];

    // Forms bind to properties, not constructor parameters: a field left out reads as null. The
    // audiences are ticked boxes under one name and the document is the file part, both read apart.
    public sealed record PublishForm
    {
        public string? Title { get; init; }

        public string? VersionLabel { get; init; }

        public string? EffectiveFromDay { get; init; }

        public string? EffectiveFromMonth { get; init; }

        public string? EffectiveFromYear { get; init; }

        public string? ReviewCycleYears { get; init; }

        public string? ResponsibleCommittee { get; init; }

        public string? DaysToAcknowledge { get; init; }

        public string? MaxExceptionDays { get; init; }
    }

    /// <summary>What the publish page draws: the form as typed (or as the current version has it), its errors and refusal.</summary>
    public sealed record Sent(PublishForm Form, IReadOnlyList<string> Audiences, IReadOnlyList<FieldError> Errors, string? Refusal);

    public static RouteGroupBuilder MapPolicyAdminPages(this RouteGroupBuilder school)
    {
        school.MapGet("/policies", ListAsync).ReadableByTrustLeaders();
        school.MapGet("/policies/{policyId}/versions/new", NewVersionAsync).RequireRoles(Publishers);
        // A new policy's short name, asked on the list page, leads to its first version's form.
        school.MapGet("/policies/versions/new", (string urn, string? policyId) =>
        {
            PublishPolicyVersion.CheckPolicyId(policyId?.Trim() ?? "");
            return TypedResults.Redirect($"/schools/{urn}/policies/{policyId!.Trim()}/versions/new");
        }).RequireRoles(Publishers);
        school.MapPost("/policies/{policyId}/versions", PublishAsync).RequireRoles(Publishers)
            // The document is the one large body the pages take: its own limit, and its form read in memory.
            .WithMetadata(new RequestSizeLimitAttribute(PolicyDocuments.MaxRequestBytes))
            .WithFormOptions(bufferBody: false, memoryBufferThreshold: (int)PolicyDocuments.MaxRequestBytes,
                multipartBodyLengthLimit: PolicyDocuments.MaxRequestBytes);
        school.MapGet("/policies/{policyId}/versions/{versionLabel}/document", DocumentAsync).ReadableByTrustLeaders();
        return school;
    }

    static async Task<RazorComponentResult<PoliciesPage>> ListAsync(
        string urn, SchoolMember member, ReadModelReader readModels, NpgsqlDataSource dataSource, CancellationToken ct, string? recorded = null)
    {
        var policies = (await ListPolicies.Handle(urn, member, readModels, ct)).Value!;
        return new RazorComponentResult<PoliciesPage>(new
        {
            Urn = urn,
            Policies = policies.Items,
            Today = policies.AsOf.Day,
            CanPublish = member.Holds(Publishers),
            Received = await ReceiptPages.FindAsync(dataSource, member, long.TryParse(recorded, out var at) ? at : null, ct),
        });
    }

    static async Task<RazorComponentResult<PublishVersionPage>> NewVersionAsync(
        string urn, string policyId, ReadModelReader readModels, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        PublishPolicyVersion.CheckPolicyId(policyId);
        var current = await CurrentAsync(urn, policyId, readModels, store, response, ct);
        // A new version starts from the current one's settings; a new policy from the usual ones.
        var form = current is null
            ? new PublishForm { ReviewCycleYears = "1", DaysToAcknowledge = "14", MaxExceptionDays = "365", ResponsibleCommittee = "Full governing board" }
            : new PublishForm
            {
                Title = current.Title,
                ReviewCycleYears = current.ReviewCycleYears.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ResponsibleCommittee = current.ResponsibleCommittee,
                DaysToAcknowledge = current.DaysToAcknowledge.ToString(System.Globalization.CultureInfo.InvariantCulture),
                MaxExceptionDays = current.MaxExceptionDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        return Page(urn, policyId, current, new Sent(form, current?.Audiences ?? ["teacher", "support-staff"], [], null), StatusCodes.Status200OK);
    }

    static async Task<IResult> PublishAsync(
        string urn, string policyId, [FromForm] PublishForm? sent, IFormFile? document, CommandContext context, LedgerStore store,
        Scheduling.ScheduledWork work, HttpRequest request, CancellationToken ct)
    {
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var services = request.HttpContext.RequestServices;
        var (readModels, dataSource, response) = (services.GetRequiredService<ReadModelReader>(), services.GetRequiredService<NpgsqlDataSource>(),
            request.HttpContext.Response);
        PublishPolicyVersion.CheckPolicyId(policyId);
        var errors = new List<FieldError>();
        var title = Text(form.Title, "title", "Enter the policy's title", 200, errors);
        var label = Text(form.VersionLabel, "versionLabel", "Enter the version, such as 2026-27 or 3", 40, errors);
        if (document is null || document.Length == 0)
        {
            errors.Add(new("document", "Select the policy document"));
        }
        else if (document.Length > PolicyDocuments.MaxBytes)
        {
            errors.Add(new("document", "The document must be smaller than 20 MB"));
        }
        var effectiveFrom = PageForms.Date(form.EffectiveFromDay, form.EffectiveFromMonth, form.EffectiveFromYear, "the date it comes into force", "effectiveFrom", errors);
        int? cycle = form.ReviewCycleYears switch { "1" => 1, "2" => 2, _ => null };
        if (cycle is null)
        {
            errors.Add(new("reviewCycleYears", "Select how often it is reviewed"));
        }
        var committee = Text(form.ResponsibleCommittee, "responsibleCommittee", "Enter who reviews it, such as Full governing board", 100, errors);
        var ticked = (await request.ReadFormAsync(ct))["audiences"].OfType<string>().ToList();
        var audiences = PeoplePages.RoleChoices.Where(c => ticked.Contains(c.Value)).Select(c => c.Kind).ToList();
        if (audiences.Count == 0)
        {
            errors.Add(new("audiences", "Select who must acknowledge it"));
        }
        var days = Number(form.DaysToAcknowledge, "daysToAcknowledge", "days to acknowledge it", 1, 365, errors);
        var maxDays = Number(form.MaxExceptionDays, "maxExceptionDays", "days an exception may last", 1, 1096, errors);
        var again = new Sent(form, ticked, errors, null);
        if (errors.Count > 0)
        {
            return Page(urn, policyId, await CurrentAsync(urn, policyId, readModels, store, response, ct), again, StatusCodes.Status400BadRequest);
        }
        var uploaded = await PolicyDocuments.ReadAsync(document!, ct);
        return await PageForms.RunAsync(
            async () =>
            {
                var result = (await PublishPolicyVersion.Handle(policyId, new(title, label, uploaded.Sha256, effectiveFrom, cycle, committee, audiences,
                    days, maxDays), context, store, dataSource, work, response, ct)).Value!;
                // Kept once published (a replayed form keeps it once): a refused version leaves no file behind.
                await PolicyDocuments.StoreAsync(dataSource, context.Tenant, uploaded, ct);
                return result;
            },
            $"/schools/{urn}/policies",
            async (fieldErrors, refusal, status) => Page(urn, policyId, await CurrentAsync(urn, policyId, readModels, store, response, ct),
                again with { Errors = fieldErrors, Refusal = refusal }, status));
    }

    static async Task<IResult> DocumentAsync(
        string urn, string policyId, string versionLabel, ReadModelReader readModels, LedgerStore store, NpgsqlDataSource dataSource,
        HttpResponse response, CancellationToken ct)
    {
        var policy = (await ShowPolicy.Handle(urn, policyId, readModels, store, response, ct)).Value!.Item;
        response.Headers.Remove("ETag");
        var version = policy.Versions.FirstOrDefault(v => v.VersionLabel == versionLabel)
            ?? throw CommandRefusedException.NotFound($"No version {versionLabel} of this policy.");
        if (await PolicyDocuments.FindAsync(dataSource, urn, version.DocumentSha256, ct) is { } document)
        {
            response.Headers.ContentDisposition = "inline";
            return TypedResults.Bytes(document.Content, document.ContentType);
        }
        return new RazorComponentResult<PolicyDocumentPage>(new { Urn = urn, PolicyId = policyId, Version = version });
    }

    static RazorComponentResult<PublishVersionPage> Page(string urn, string policyId, ShowPolicy.PolicyVersionDetail? current, Sent sent, int status) =>
        new(new { Urn = urn, PolicyId = policyId, Current = current, Sent = sent, FormKey = Guid.NewGuid().ToString("D") }) { StatusCode = status };

    /// <summary>The policy's current version, or null for a policy not yet published (or retired).</summary>
    static async Task<ShowPolicy.PolicyVersionDetail?> CurrentAsync(
        string urn, string policyId, ReadModelReader readModels, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        try
        {
            var policy = (await ShowPolicy.Handle(urn, policyId, readModels, store, response, ct)).Value!.Item;
            response.Headers.Remove("ETag");
            return policy.Versions.LastOrDefault(v => v.IsCurrent);
        }
        catch (CommandRefusedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            return null;
        }
    }

    static string Text(string? value, string field, string message, int max, List<FieldError> errors)
    {
        if (PageForms.Text(value) is not { } text)
        {
            errors.Add(new(field, message));
            return "";
        }
        if (text.Length > max)
        {
            errors.Add(new(field, $"It must be {max} characters or fewer"));
        }
        return text;
    }

    static int? Number(string? value, string field, string label, int min, int max, List<FieldError> errors)
    {
        if (int.TryParse(PageForms.Text(value), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && n >= min && n <= max)
        {
            return n;
        }
        errors.Add(new(field, $"Enter the {label} as a whole number from {min} to {max}"));
        return null;
    }
}
