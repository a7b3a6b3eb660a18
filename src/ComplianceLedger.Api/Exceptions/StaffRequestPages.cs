using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Exceptions.Pages;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Receipts;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// A member of staff's own side of the exceptions register: declare a relationship with a pupil
/// or parent, ask for an exception, and follow their requests (withdraw one, ask to extend one),
/// through the same use cases as the API.
/// </summary>
public static class StaffRequestPages
{
    public sealed record DeclarationForm
    {
        public string? Kind { get; init; }

        public string? Description { get; init; }

        public string? OnEntryOf { get; init; }

        public string? EnteredOnDay { get; init; }

        public string? EnteredOnMonth { get; init; }

        public string? EnteredOnYear { get; init; }
    }

    public sealed record RequestForm
    {
        public string? Kind { get; init; }

        public string? Description { get; init; }

        public string? RiskAssessmentReference { get; init; }
    }

    public sealed record WithdrawalForm
    {
        public string? Reason { get; init; }
    }

    public sealed record ExtensionForm
    {
        public string? UntilDay { get; init; }

        public string? UntilMonth { get; init; }

        public string? UntilYear { get; init; }

        public string? Reason { get; init; }
    }

    /// <summary>The choices a form offers, in the school's words, with the value each records.</summary>
    public sealed record Choice<T>(string Value, string Label, string? Hint, T Kind);

    public static readonly IReadOnlyList<Choice<RelationshipKind>> RelationshipKinds =
    [
        new("pupil-family", "A family link with a pupil", "For example, your child, niece or nephew is a pupil here.", RelationshipKind.PupilFamily),
        new("parent-friend", "A friendship with a parent or carer", "You were friends before they were a parent here, or you know them outside school.", RelationshipKind.ParentFriend),
        new("ex-pupil-under-18", "Contact with a former pupil under 18", null, RelationshipKind.ExPupilUnder18),
        new("other", "Something else", null, RelationshipKind.Other),
    ];

    public static readonly IReadOnlyList<Choice<EntryOf>> EntryKinds =
    [
        new("pupil", "When the pupil joined the school", null, EntryOf.Pupil),
        new("staff", "When I joined the school", null, EntryOf.Staff),
    ];

    public static readonly IReadOnlyList<Choice<ExceptionKind>> ExceptionKinds =
    [
        new("personal-contact", "Use my personal phone or email for school business", null, ExceptionKind.PersonalContact),
        new("staff-blog", "Keep a personal blog or account that names the school", null, ExceptionKind.StaffBlog),
        new("remote-learning-platform", "Use social media as a remote-learning platform", "This needs a risk assessment first: give its reference.", ExceptionKind.RemoteLearningPlatform),
    ];

    public static RouteGroupBuilder MapStaffRequestPages(this RouteGroupBuilder school)
    {
        school.MapGet("/declarations/new", (string urn) => DeclarePage(urn, new DeclarationForm(), [], null, StatusCodes.Status200OK));
        school.MapPost("/declarations", DeclareAsync);
        school.MapGet("/exceptions/new", (string urn) => RequestPage(urn, new RequestForm(), [], null, StatusCodes.Status200OK));
        school.MapPost("/exceptions", RequestAsync);
        school.MapGet("/my-requests", MyRequestsAsync);
        school.MapPost("/my-requests/{id:guid}/withdrawal", WithdrawAsync);
        school.MapPost("/my-requests/{id:guid}/extension", ExtendAsync);
        return school;
    }

    static RazorComponentResult<DeclarePage> DeclarePage(string urn, DeclarationForm form, IReadOnlyList<FieldError> errors, string? refusal, int status) =>
        new(new { Urn = urn, Form = form, Errors = errors, Refusal = refusal, FormKey = Guid.NewGuid().ToString("D") }) { StatusCode = status };

    static RazorComponentResult<RequestExceptionPage> RequestPage(string urn, RequestForm form, IReadOnlyList<FieldError> errors, string? refusal, int status) =>
        new(new { Urn = urn, Form = form, Errors = errors, Refusal = refusal, FormKey = Guid.NewGuid().ToString("D") }) { StatusCode = status };

    static async Task<IResult> DeclareAsync(
        string urn, [FromForm] DeclarationForm? sent, CommandContext context, LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var kind = Chosen(RelationshipKinds, form.Kind, "kind", "Select what the relationship is", errors);
        var description = Described(form.Description, "description", "Describe the relationship", errors);
        var onEntryOf = Chosen(EntryKinds, form.OnEntryOf, "onEntryOf", "Select whose joining the school it dates from", errors);
        var enteredOn = PageForms.Date(form.EnteredOnDay, form.EnteredOnMonth, form.EnteredOnYear, "the date they or you joined", "enteredOn", errors);
        if (errors.Count > 0)
        {
            return DeclarePage(urn, form, errors, null, StatusCodes.Status400BadRequest);
        }
        return await PageForms.RunAsync(
            async () => (await DeclareRelationship.Handle(new(kind, description, onEntryOf, enteredOn), context, store, vault,
                response.HttpContext.RequestServices.GetRequiredService<Scheduling.ScheduledWork>(), response, ct)).Value!,
            $"/schools/{urn}/my-requests",
            (fieldErrors, refusal, status) => Task.FromResult(DeclarePage(urn, form, fieldErrors, refusal, status)));
    }

    static async Task<IResult> RequestAsync(
        string urn, [FromForm] RequestForm? sent, CommandContext context, LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var kind = Chosen(ExceptionKinds, form.Kind, "kind", "Select what you are asking for", errors);
        var description = Described(form.Description, "description", "Describe what you would do and why", errors);
        var reference = PageForms.Text(form.RiskAssessmentReference);
        if (kind == ExceptionKind.RemoteLearningPlatform && reference is null)
        {
            errors.Add(new FieldError("riskAssessmentReference", "Enter the risk assessment's reference, such as RA-2026-07"));
        }
        else if (reference?.Length > 100)
        {
            errors.Add(new FieldError("riskAssessmentReference", "The risk assessment reference must be 100 characters or fewer"));
        }
        if (errors.Count > 0)
        {
            return RequestPage(urn, form, errors, null, StatusCodes.Status400BadRequest);
        }
        return await PageForms.RunAsync(
            async () => (await MakeExceptionRequest.Handle(new(kind, description, reference), context, store, vault,
                response.HttpContext.RequestServices.GetRequiredService<Scheduling.ScheduledWork>(), response, ct)).Value!,
            $"/schools/{urn}/my-requests",
            (fieldErrors, refusal, status) => Task.FromResult(RequestPage(urn, form, fieldErrors, refusal, status)));
    }

    static async Task<RazorComponentResult<MyRequestsPage>> MyRequestsAsync(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, NpgsqlDataSource dataSource, CancellationToken ct,
        string? recorded = null) =>
        await MyRequestsPageAsync(urn, member, readModels, vault, ct,
            received: await ReceiptPages.FindAsync(dataSource, member, long.TryParse(recorded, out var at) ? at : null, ct));

    static async Task<RazorComponentResult<MyRequestsPage>> MyRequestsPageAsync(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, CancellationToken ct,
        Guid? item = null, IReadOnlyList<FieldError>? errors = null, string? refusal = null, int status = StatusCodes.Status200OK, Receipt? received = null)
    {
        var mine = (await MyExceptions.Handle(urn, member, readModels, vault, ct)).Value!;
        return new RazorComponentResult<MyRequestsPage>(new
        {
            Urn = urn,
            Items = mine.Items,
            Item = item,
            Errors = errors ?? [],
            Refusal = refusal,
            Received = received,
            FormKey = Guid.NewGuid().ToString("D"),
        })
        { StatusCode = status };
    }

    static async Task<IResult> WithdrawAsync(
        string urn, Guid id, [FromForm] WithdrawalForm? sent, CommandContext context, SchoolMember member, LedgerStore store, PersonalDataVault vault,
        ReadModelReader readModels, HttpResponse response, CancellationToken ct)
    {
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        if (PageForms.Text(form.Reason) is null)
        {
            return await MyRequestsPageAsync(urn, member, readModels, vault, ct, id,
                [new FieldError($"reason-{id}", "Enter why you are withdrawing it")], status: StatusCodes.Status400BadRequest);
        }
        return await PageForms.RunAsync(
            async () => (await WithdrawRequest.Handle(id, new(form.Reason), context, store, vault, response, ct)).Value!,
            $"/schools/{urn}/my-requests",
            (errors, refusal, status) => MyRequestsPageAsync(urn, member, readModels, vault, ct, id, errors, refusal, status));
    }

    static async Task<IResult> ExtendAsync(
        string urn, Guid id, [FromForm] ExtensionForm? sent, CommandContext context, SchoolMember member, LedgerStore store, PersonalDataVault vault,
        ReadModelReader readModels, HttpResponse response, CancellationToken ct)
    {
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var until = PageForms.Date(form.UntilDay, form.UntilMonth, form.UntilYear, "the date you need it until", $"until-{id}", errors);
        if (PageForms.Text(form.Reason) is null)
        {
            errors.Add(new FieldError($"extension-reason-{id}", "Enter why you still need it"));
        }
        if (errors.Count > 0)
        {
            return await MyRequestsPageAsync(urn, member, readModels, vault, ct, id, errors, status: StatusCodes.Status400BadRequest);
        }
        return await PageForms.RunAsync(
            async () => (await RequestExtension.Handle(id, new(until, form.Reason), context, store, vault,
                response.HttpContext.RequestServices.GetRequiredService<Scheduling.ScheduledWork>(), response, ct)).Value!,
            $"/schools/{urn}/my-requests",
            (fieldErrors, refusal, status) => MyRequestsPageAsync(urn, member, readModels, vault, ct, id, fieldErrors, refusal, status));
    }

    static T? Chosen<T>(IReadOnlyList<Choice<T>> choices, string? value, string field, string message, List<FieldError> errors) where T : struct
    {
        if (choices.FirstOrDefault(c => c.Value == value) is { } choice)
        {
            return choice.Kind;
        }
        errors.Add(new FieldError(field, message));
        return null;
    }

    static string? Described(string? value, string field, string message, List<FieldError> errors)
    {
        var text = PageForms.Text(value);
        if (text is null)
        {
            errors.Add(new FieldError(field, message));
        }
        else if (text.Length > 2000)
        {
            errors.Add(new FieldError(field, "Keep it to 2,000 characters or fewer"));
            return null;
        }
        return text;
    }
}
