using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Exceptions.Pages;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Receipts;
using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The headteacher's approvals queue, the DSL's declarations awaiting advice, and one item with
/// the decisions the signed-in person may make on it now. Each reads and decides through the same
/// use cases as the API; a decision carries the version the page showed, as If-Match does, so a
/// record changed meanwhile is refused rather than decided blind.
/// </summary>
public static class DecisionPages
{
    // Forms bind to properties, not constructor parameters: a field left out reads as null.
    public sealed record AdviceForm
    {
        public string? Version { get; init; }

        public string? Advice { get; init; }
    }

    public sealed record ApprovalForm
    {
        public string? Version { get; init; }

        public string? Conditions { get; init; }

        public string? UntilDay { get; init; }

        public string? UntilMonth { get; init; }

        public string? UntilYear { get; init; }

        public string? RiskAssessmentReference { get; init; }
    }

    public sealed record ReasonForm
    {
        public string? Version { get; init; }

        public string? Reason { get; init; }
    }

    public sealed record ExtensionForm
    {
        public string? Version { get; init; }

        public string? UntilDay { get; init; }

        public string? UntilMonth { get; init; }

        public string? UntilYear { get; init; }

        public string? Conditions { get; init; }
    }

    public sealed record ReviewForm
    {
        public string? Version { get; init; }

        public string? NextReviewOnDay { get; init; }

        public string? NextReviewOnMonth { get; init; }

        public string? NextReviewOnYear { get; init; }

        public string? Conditions { get; init; }
    }

    /// <summary>What was typed into one of the item page's forms, kept when it comes back with errors.</summary>
    public sealed record Typed(string Form, IReadOnlyDictionary<string, string?> Values)
    {
        public string? this[string field] => Values.GetValueOrDefault(field);
    }

    public static RouteGroupBuilder MapDecisionPages(this RouteGroupBuilder school)
    {
        school.MapGet("/approvals", ApprovalsAsync).RequireRoles(ExceptionEndpoints.QueueReaders);
        school.MapGet("/advice", AdviceAsync).RequireRoles(ExceptionEndpoints.QueueReaders);
        school.MapGet("/exceptions/{id:guid}", ShowAsync);
        // The decisions check roles in their handlers, in the role filter's words: an endpoint filter
        // beside a [FromForm] record makes the framework fail to build the handler (.NET 10).
        school.MapPost("/exceptions/{id:guid}/dsl-advice", AdviseAsync);
        school.MapPost("/exceptions/{id:guid}/approval", ApproveAsync);
        school.MapPost("/exceptions/{id:guid}/refusal", DeclineAsync);
        school.MapPost("/exceptions/{id:guid}/extension-approval", ApproveExtensionAsync);
        school.MapPost("/exceptions/{id:guid}/extension-refusal", DeclineExtensionAsync);
        school.MapPost("/exceptions/{id:guid}/revocation", RevokeAsync);
        school.MapPost("/exceptions/{id:guid}/reviews", ReviewAsync);
        return school;
    }

    static async Task<RazorComponentResult<ApprovalsPage>> ApprovalsAsync(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, TimeProvider time, CancellationToken ct)
    {
        var queue = (await ListApprovals.Handle(urn, member, readModels, vault, ct)).Value!;
        return new RazorComponentResult<ApprovalsPage>(new { Urn = urn, queue.Items, Today = SchoolDay.Today(time), AsOf = queue.AsOf.Position });
    }

    static async Task<RazorComponentResult<AdvicePage>> AdviceAsync(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, TimeProvider time, CancellationToken ct)
    {
        var queue = (await ListApprovals.Handle(urn, member, readModels, vault, ct, awaiting: "dsl-advice")).Value!;
        return new RazorComponentResult<AdvicePage>(new { Urn = urn, queue.Items, Today = SchoolDay.Today(time), AsOf = queue.AsOf.Position });
    }

    static async Task<RazorComponentResult<ItemPage>> ShowAsync(
        string urn, Guid id, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, NpgsqlDataSource dataSource,
        TimeProvider time, HttpResponse response, CancellationToken ct, string? recorded = null) =>
        await RenderAsync(urn, id, member, readModels, vault, time, response, ct,
            received: await ReceiptPages.FindAsync(dataSource, member, long.TryParse(recorded, out var at) ? at : null, ct));

    static async Task<IResult> AdviseAsync(
        string urn, Guid id, [FromForm] AdviceForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        PersonalDataVault vault, LedgerStore store, TimeProvider time, HttpResponse response, CancellationToken ct)
    {
        MustHold(member, Role.Dsl);
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var typed = new Typed("advice", new Dictionary<string, string?> { ["advice"] = form.Advice });
        List<FieldError> errors = [];
        if (PageForms.Text(form.Advice) is null)
        {
            errors.Add(new FieldError("advice", "Enter your advice"));
        }
        return await DecideAsync(urn, id, form.Version, errors, typed, member, readModels, vault, time, response,
            async expected => (await RecordDslAdvice.Handle(id, new(form.Advice), context with { ExpectedVersion = expected }, store, vault,
                response.HttpContext.RequestServices.GetRequiredService<Scheduling.ScheduledWork>(), response, ct)).Value!, ct);
    }

    static async Task<IResult> ApproveAsync(
        string urn, Guid id, [FromForm] ApprovalForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        PersonalDataVault vault, LedgerStore store, NpgsqlDataSource dataSource, ScheduledWork work, TimeProvider time, HttpResponse response,
        CancellationToken ct)
    {
        MustHold(member, ExceptionEndpoints.Deciders);
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var typed = new Typed("approval", new Dictionary<string, string?>
        {
            ["conditions"] = form.Conditions,
            ["until-day"] = form.UntilDay,
            ["until-month"] = form.UntilMonth,
            ["until-year"] = form.UntilYear,
            ["risk-assessment-reference"] = form.RiskAssessmentReference,
        });
        List<FieldError> errors = [];
        if (PageForms.Text(form.Conditions) is null)
        {
            errors.Add(new FieldError("conditions", "Enter the conditions of the approval"));
        }
        var until = PageForms.Date(form.UntilDay, form.UntilMonth, form.UntilYear, "the end date", "until", errors);
        return await DecideAsync(urn, id, form.Version, errors, typed, member, readModels, vault, time, response,
            async expected => (await ApproveRequest.Handle(id, new(form.Conditions, until, PageForms.Text(form.RiskAssessmentReference)),
                context with { ExpectedVersion = expected }, member, store, dataSource, vault, work, response, ct)).Value!, ct);
    }

    static async Task<IResult> DeclineAsync(
        string urn, Guid id, [FromForm] ReasonForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        PersonalDataVault vault, LedgerStore store, NpgsqlDataSource dataSource, TimeProvider time, HttpResponse response, CancellationToken ct)
    {
        MustHold(member, ExceptionEndpoints.Deciders);
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var typed = new Typed("refusal", new Dictionary<string, string?> { ["refusal-reason"] = form.Reason });
        List<FieldError> errors = [];
        if (PageForms.Text(form.Reason) is null)
        {
            errors.Add(new FieldError("refusal-reason", "Enter why you are declining it"));
        }
        return await DecideAsync(urn, id, form.Version, errors, typed, member, readModels, vault, time, response,
            async expected => (await DeclineRequest.Handle(id, new(form.Reason), context with { ExpectedVersion = expected },
                member, store, dataSource, vault, response, ct)).Value!, ct);
    }

    static async Task<IResult> ApproveExtensionAsync(
        string urn, Guid id, [FromForm] ExtensionForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        PersonalDataVault vault, LedgerStore store, NpgsqlDataSource dataSource, ScheduledWork work, TimeProvider time, HttpResponse response,
        CancellationToken ct)
    {
        MustHold(member, ExceptionEndpoints.Deciders);
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var typed = new Typed("extension-approval", new Dictionary<string, string?>
        {
            ["extension-until-day"] = form.UntilDay,
            ["extension-until-month"] = form.UntilMonth,
            ["extension-until-year"] = form.UntilYear,
            ["extension-conditions"] = form.Conditions,
        });
        List<FieldError> errors = [];
        var until = PageForms.Date(form.UntilDay, form.UntilMonth, form.UntilYear, "the new end date", "extension-until", errors);
        return await DecideAsync(urn, id, form.Version, errors, typed, member, readModels, vault, time, response,
            async expected => (await ApproveExtension.Handle(id, new(until, PageForms.Text(form.Conditions)), context with { ExpectedVersion = expected },
                member, store, dataSource, vault, work, response, ct)).Value!, ct);
    }

    static async Task<IResult> DeclineExtensionAsync(
        string urn, Guid id, [FromForm] ReasonForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        PersonalDataVault vault, LedgerStore store, NpgsqlDataSource dataSource, TimeProvider time, HttpResponse response, CancellationToken ct)
    {
        MustHold(member, ExceptionEndpoints.Deciders);
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var typed = new Typed("extension-refusal", new Dictionary<string, string?> { ["extension-reason"] = form.Reason });
        List<FieldError> errors = [];
        if (PageForms.Text(form.Reason) is null)
        {
            errors.Add(new FieldError("extension-reason", "Enter why you are declining the extension"));
        }
        return await DecideAsync(urn, id, form.Version, errors, typed, member, readModels, vault, time, response,
            async expected => (await DeclineExtension.Handle(id, new(form.Reason), context with { ExpectedVersion = expected },
                member, store, dataSource, vault, response, ct)).Value!, ct);
    }

    static async Task<IResult> RevokeAsync(
        string urn, Guid id, [FromForm] ReasonForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        PersonalDataVault vault, LedgerStore store, NpgsqlDataSource dataSource, TimeProvider time, HttpResponse response, CancellationToken ct)
    {
        MustHold(member, ExceptionEndpoints.Deciders);
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var typed = new Typed("revocation", new Dictionary<string, string?> { ["revocation-reason"] = form.Reason });
        List<FieldError> errors = [];
        if (PageForms.Text(form.Reason) is null)
        {
            errors.Add(new FieldError("revocation-reason", "Enter why you are revoking the approval"));
        }
        return await DecideAsync(urn, id, form.Version, errors, typed, member, readModels, vault, time, response,
            async expected => (await RevokeApproval.Handle(id, new(form.Reason), context with { ExpectedVersion = expected },
                member, store, dataSource, vault, response, ct)).Value!, ct);
    }

    static async Task<IResult> ReviewAsync(
        string urn, Guid id, [FromForm] ReviewForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        PersonalDataVault vault, LedgerStore store, NpgsqlDataSource dataSource, ScheduledWork work, TimeProvider time, HttpResponse response,
        CancellationToken ct)
    {
        MustHold(member, ExceptionEndpoints.Deciders);
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var typed = new Typed("review", new Dictionary<string, string?>
        {
            ["next-review-on-day"] = form.NextReviewOnDay,
            ["next-review-on-month"] = form.NextReviewOnMonth,
            ["next-review-on-year"] = form.NextReviewOnYear,
            ["review-conditions"] = form.Conditions,
        });
        List<FieldError> errors = [];
        var next = PageForms.Date(form.NextReviewOnDay, form.NextReviewOnMonth, form.NextReviewOnYear, "the next review date", "next-review-on", errors);
        return await DecideAsync(urn, id, form.Version, errors, typed, member, readModels, vault, time, response,
            async expected => (await ReviewDeclaration.Handle(id, new(next, PageForms.Text(form.Conditions)), context with { ExpectedVersion = expected },
                member, store, dataSource, vault, work, response, ct)).Value!, ct);
    }

    /// <summary>The API route's role filter, as a check: the same refusal, in the same words.</summary>
    static void MustHold(SchoolMember member, params Role[] roles)
    {
        if (!member.Holds(roles))
        {
            throw new CommandRefusedException(StatusCodes.Status403Forbidden, "Not permitted for your role",
                $"This needs one of: {string.Join(", ", roles.Select(Roles.Name))}.");
        }
    }

    /// <summary>
    /// One decision from the item's page: the fields checked first (nothing recorded while any is
    /// wrong), then the use case against the version the page showed, back to the item on success.
    /// </summary>
    static async Task<IResult> DecideAsync(
        string urn, Guid id, string? version, List<FieldError> errors, Typed typed, SchoolMember member, ReadModelReader readModels,
        PersonalDataVault vault, TimeProvider time, HttpResponse response, Func<long, Task<CommandResult>> command, CancellationToken ct)
    {
        Task<RazorComponentResult<ItemPage>> Again(IReadOnlyList<FieldError> e, string? refusal, int status) =>
            RenderAsync(urn, id, member, readModels, vault, time, response, ct, e, refusal, status, typed);
        if (!long.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var expected))
        {
            return await Again(errors, "This form is missing the version of the record it was drawn from. Reload the page, then decide again.",
                StatusCodes.Status400BadRequest);
        }
        if (errors.Count > 0)
        {
            return await Again(errors, null, StatusCodes.Status400BadRequest);
        }
        return await PageForms.RunAsync(() => command(expected), $"/schools/{urn}/exceptions/{id:D}", Again);
    }

    static async Task<RazorComponentResult<ItemPage>> RenderAsync(
        string urn, Guid id, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, TimeProvider time,
        HttpResponse response, CancellationToken ct, IReadOnlyList<FieldError>? errors = null, string? refusal = null,
        int status = StatusCodes.Status200OK, Typed? typed = null, Receipt? received = null)
    {
        var item = (await ShowRequest.Handle(urn, id, member, readModels, vault, response, ct)).Value!.Item;
        return new RazorComponentResult<ItemPage>(new
        {
            Urn = urn,
            Item = item,
            May = MayNow(item, member),
            // The holder comes from their own requests; the head, the DSL and the chair from the queue.
            Back = member.Holds(ExceptionEndpoints.QueueReaders) ? ($"/schools/{urn}/approvals", "Back to approvals") : ($"/schools/{urn}/my-requests", "Back to your requests"),
            Today = SchoolDay.Today(time),
            Errors = errors ?? [],
            Refusal = refusal,
            Typed = typed,
            Received = received,
            FormKey = Guid.NewGuid().ToString("D"),
        })
        { StatusCode = status };
    }

    /// <summary>The forms the reader may use on an item now: the same judgement the use cases make, so a form shown is one that can succeed.</summary>
    /// <param name="Decider">The reader is the one who decides this item (the headteacher, or the chair for the head's own).</param>
    /// <param name="WhyNot">Why a decider by role may not decide this one, in the API's words.</param>
    public sealed record Allowed(bool Advise, bool Decider, bool Decide, bool DecideExtension, bool Review, bool Revoke, string? WhyNot);

    static Allowed MayNow(ExceptionView item, SchoolMember member)
    {
        var own = item.PersonId == member.PersonId;
        var awaitsDecision = item.Awaiting is "dsl-advice" or "decision" or "fresh-decision";
        var advise = member.Holds(Role.Dsl) && !own && awaitsDecision;
        var decider = item.Decider == Roles.Name(Role.ChairOfGovernors) ? Role.ChairOfGovernors : Role.Headteacher;
        var decides = !own && member.Holds(decider);
        string? whyNot = null;
        if (own && member.Holds(ExceptionEndpoints.Deciders))
        {
            whyNot = decider == Role.ChairOfGovernors
                ? "Nobody decides their own request: the chair of governors decides this one."
                : "Nobody decides their own request: the headteacher decides this one.";
        }
        else if (!own && member.Holds(ExceptionEndpoints.Deciders) && !decides)
        {
            whyNot = decider == Role.ChairOfGovernors
                ? "This is the headteacher's own request: the chair of governors decides it."
                : "The chair of governors decides only the headteacher's own requests; the headteacher decides this one.";
        }
        return new Allowed(
            advise,
            decides,
            decides && item.Awaiting is "decision" or "fresh-decision",
            decides && item.Awaiting == "extension-decision",
            decides && item.Subject == "declaration" && item.Status == "approved",
            decides && item.Status == "approved",
            whyNot);
    }

    /// <summary>A kind of declaration or exception in the school's words.</summary>
    public static string KindWords(string kind) => kind switch
    {
        "pupil-family" => "Family link with a pupil",
        "parent-friend" => "Friendship with a parent",
        "ex-pupil-under-18" => "Contact with a former pupil under 18",
        "personal-contact" => "Personal phone or email for school business",
        "staff-blog" => "Personal blog naming the school",
        "remote-learning-platform" => "Social media as a remote-learning platform",
        "other" => "Other relationship",
        _ => kind,
    };

    public static string SubjectWords(string subject) => subject == "declaration" ? "Declared relationship" : "Exception request";

    public static string StatusWords(string status) => status switch
    {
        "pending" => "Pending",
        "approved" => "Approved",
        "declined" => "Declined",
        "withdrawn" => "Withdrawn",
        "revoked" => "Revoked",
        "expired" => "Expired",
        _ => status,
    };

    public static string AwaitingWords(string? awaiting) => awaiting switch
    {
        "dsl-advice" => "Awaiting DSL advice",
        "decision" => "Awaiting a decision",
        "fresh-decision" => "Awaiting a fresh decision (approval revoked or lapsed)",
        "extension-decision" => "Extension awaiting a decision",
        _ => "Nothing awaited",
    };

    public static string RoleWords(string? role) => role switch
    {
        "headteacher" => "headteacher",
        "chair-of-governors" => "chair of governors",
        null => "",
        _ => role.Replace('-', ' '),
    };

    /// <summary>Whole days it has waited for what it awaits (a fresh decision since the lapse, an extension since asked), in the school's day.</summary>
    public static int DaysWaiting(ExceptionView item, DateOnly today) =>
        Math.Max(0, today.DayNumber - SchoolDay.Of(item.WaitingSince ?? item.OpenedAt).DayNumber);
}
