using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People.Pages;
using ComplianceLedger.Api.Receipts;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace ComplianceLedger.Api.People;

/// <summary>
/// The school's people as the office keeps them: enrol someone with their roles, change roles,
/// record long-term leave and the return, and record leaving. Names go only to the people use
/// cases, which seal them; the pages keep no copy.
/// </summary>
public static class PeoplePages
{
    // Forms bind to properties, not constructor parameters: a field left out reads as null.
    // Roles are ticked boxes under one name, read from the form itself.
    public sealed record EnrolForm
    {
        public string? Name { get; init; }

        public string? StartedOnDay { get; init; }

        public string? StartedOnMonth { get; init; }

        public string? StartedOnYear { get; init; }

        public string? Email { get; init; }
    }

    public sealed record EmailForm
    {
        public string? Email { get; init; }
    }

    public sealed record RolesForm
    {
        public string? EffectiveOnDay { get; init; }

        public string? EffectiveOnMonth { get; init; }

        public string? EffectiveOnYear { get; init; }
    }

    public sealed record LeaveForm
    {
        public string? Kind { get; init; }

        public string? FromDay { get; init; }

        public string? FromMonth { get; init; }

        public string? FromYear { get; init; }
    }

    public sealed record ReturnForm
    {
        public string? OnDay { get; init; }

        public string? OnMonth { get; init; }

        public string? OnYear { get; init; }
    }

    public sealed record LeavingForm
    {
        public string? LeftOnDay { get; init; }

        public string? LeftOnMonth { get; init; }

        public string? LeftOnYear { get; init; }
    }

    public sealed record Choice<T>(string Value, string Label, T Kind);

    /// <summary>The roles a school gives its people (a trust's leaders are the trust's).</summary>
    public static readonly IReadOnlyList<Choice<Role>> RoleChoices =
    [
        new("headteacher", "Headteacher", Role.Headteacher),
        new("dsl", "Designated safeguarding lead", Role.Dsl),
        new("slt", "Senior leadership team", Role.Slt),
        new("office", "School office", Role.Office),
        new("chair-of-governors", "Chair of governors", Role.ChairOfGovernors),
        new("governor", "Governor", Role.Governor),
        new("clerk", "Clerk to the governors", Role.Clerk),
        new("teacher", "Teacher", Role.Teacher),
        new("support-staff", "Support staff", Role.SupportStaff),
        new("volunteer", "Volunteer", Role.Volunteer),
        new("supply", "Supply staff", Role.Supply),
        new("trainee", "Trainee", Role.Trainee),
        new("contractor", "Contractor", Role.Contractor),
    ];

    public static readonly IReadOnlyList<Choice<LeaveKind>> LeaveKinds =
    [
        new("maternity", "Maternity, paternity or adoption leave", LeaveKind.Maternity),
        new("sickness", "Long-term sickness", LeaveKind.Sickness),
        new("secondment", "Secondment", LeaveKind.Secondment),
        new("other", "Other leave", LeaveKind.Other),
    ];

    public static string RoleLabel(string role) => RoleChoices.FirstOrDefault(c => c.Value == role)?.Label ?? role;

    public static RouteGroupBuilder MapPeoplePages(this RouteGroupBuilder school)
    {
        school.MapGet("/people", ListAsync).RequireRoles([.. PeopleEndpoints.Enrollers, .. Roles.DashboardReaders]).ReadableByTrustLeaders();
        school.MapPost("/people", EnrolAsync).RequireRoles(PeopleEndpoints.Enrollers);
        // As the API: anyone reads their own record; anyone else's needs a reader's role (the use case decides).
        school.MapGet("/people/{personId:guid}", ShowAsync);
        school.MapPost("/people/{personId:guid}/roles", ChangeRolesAsync).RequireRoles(PeopleEndpoints.Enrollers);
        school.MapPost("/people/{personId:guid}/leave", LeaveAsync).RequireRoles(PeopleEndpoints.Enrollers);
        school.MapPost("/people/{personId:guid}/return", ReturnAsync).RequireRoles(PeopleEndpoints.Enrollers);
        school.MapPost("/people/{personId:guid}/leaving", LeavingAsync).RequireRoles(PeopleEndpoints.Enrollers);
        school.MapPost("/people/{personId:guid}/sign-in-email", SignInEmailAsync).RequireRoles(PeopleEndpoints.Enrollers);
        return school;
    }

    /// <summary>What a page needs to draw itself again after a form: the errors, the refusal and what was typed, by field id.</summary>
    public sealed record Sent(IReadOnlyList<FieldError> Errors, string? Refusal, IReadOnlyDictionary<string, string?> Typed, IReadOnlyList<string>? Roles = null)
    {
        public static readonly Sent Nothing = new([], null, new Dictionary<string, string?>());
    }

    static async Task<RazorComponentResult<PeoplePage>> ListAsync(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, NpgsqlDataSource dataSource, CancellationToken ct,
        string? recorded = null) =>
        await RenderListAsync(urn, member, readModels, vault, Sent.Nothing, StatusCodes.Status200OK, ct,
            await ReceiptPages.FindAsync(dataSource, member, Position(recorded), ct));

    static async Task<IResult> EnrolAsync(
        string urn, [FromForm] EnrolForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels, LedgerStore store,
        PersonalDataVault vault, HttpRequest request, CancellationToken ct)
    {
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var name = PageForms.Text(form.Name);
        if (name is null)
        {
            errors.Add(new("name", "Enter the person's full name"));
        }
        else if (name.Length > 200)
        {
            errors.Add(new("name", "The name must be 200 characters or fewer"));
        }
        var (roles, ticked) = await RolesAsync(request, "Select at least one role", errors, ct);
        var startedOn = PageForms.Date(form.StartedOnDay, form.StartedOnMonth, form.StartedOnYear, "the date they started", "startedOn", errors);
        var email = Email(form.Email, required: false, errors);
        var again = new Sent(errors, null,
            new Dictionary<string, string?> { ["name"] = form.Name, ["startedOn-day"] = form.StartedOnDay, ["startedOn-month"] = form.StartedOnMonth, ["startedOn-year"] = form.StartedOnYear, ["email"] = form.Email }, ticked);
        if (errors.Count > 0)
        {
            return await RenderListAsync(urn, member, readModels, vault, again, StatusCodes.Status400BadRequest, ct);
        }
        return await PageForms.RunAsync(
            async () => (await EnrolPerson.Handle(new(name, roles, startedOn, email), context, store, vault,
                request.HttpContext.RequestServices.GetRequiredService<SignIn.SignInEmails>(),
                request.HttpContext.RequestServices.GetRequiredService<Npgsql.NpgsqlDataSource>(),
                request.HttpContext.RequestServices.GetRequiredService<Scheduling.ScheduledWork>(), request.HttpContext.Response, ct)).Value!,
            $"/schools/{urn}/people",
            (fieldErrors, refusal, status) => RenderListAsync(urn, member, readModels, vault, again with { Errors = fieldErrors, Refusal = refusal }, status, ct));
    }

    static async Task<RazorComponentResult<PersonPage>> ShowAsync(
        string urn, Guid personId, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, LedgerStore store,
        NpgsqlDataSource dataSource, HttpResponse response, CancellationToken ct, string? recorded = null) =>
        await RenderPersonAsync(urn, personId, member, readModels, vault, store, response, Sent.Nothing, StatusCodes.Status200OK, ct,
            await ReceiptPages.FindAsync(dataSource, member, Position(recorded), ct));

    static async Task<IResult> ChangeRolesAsync(
        string urn, Guid personId, [FromForm] RolesForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        LedgerStore store, PersonalDataVault vault, HttpRequest request, CancellationToken ct)
    {
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var (roles, ticked) = await RolesAsync(request, "Select at least one role", errors, ct);
        var on = PageForms.Date(form.EffectiveOnDay, form.EffectiveOnMonth, form.EffectiveOnYear, "the date the change takes effect", "effectiveOn", errors);
        var again = new Sent(errors, null, new Dictionary<string, string?> { ["effectiveOn-day"] = form.EffectiveOnDay, ["effectiveOn-month"] = form.EffectiveOnMonth, ["effectiveOn-year"] = form.EffectiveOnYear }, ticked);
        return await RunAsync(urn, personId, member, readModels, vault, store, request.HttpContext.Response, again,
            async () => (await ChangeRoles.Handle(personId, new(roles, on), context, store, request.HttpContext.RequestServices.GetRequiredService<Scheduling.ScheduledWork>(),
                request.HttpContext.RequestServices.GetRequiredService<Npgsql.NpgsqlDataSource>(), request.HttpContext.Response, ct)).Value!, ct);
    }

    static async Task<IResult> LeaveAsync(
        string urn, Guid personId, [FromForm] LeaveForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var kind = LeaveKinds.FirstOrDefault(k => k.Value == form.Kind);
        if (kind is null)
        {
            errors.Add(new("kind", "Select the kind of leave"));
        }
        var from = PageForms.Date(form.FromDay, form.FromMonth, form.FromYear, "the first day of the leave", "from", errors);
        var again = new Sent(errors, null, new Dictionary<string, string?> { ["kind"] = form.Kind, ["from-day"] = form.FromDay, ["from-month"] = form.FromMonth, ["from-year"] = form.FromYear });
        return await RunAsync(urn, personId, member, readModels, vault, store, response, again,
            async () => (await RecordLeave.Start(personId, new(kind?.Kind, from), context, store, response, ct)).Value!, ct);
    }

    static async Task<IResult> ReturnAsync(
        string urn, Guid personId, [FromForm] ReturnForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var on = PageForms.Date(form.OnDay, form.OnMonth, form.OnYear, "the date they came back", "on", errors);
        var again = new Sent(errors, null, new Dictionary<string, string?> { ["on-day"] = form.OnDay, ["on-month"] = form.OnMonth, ["on-year"] = form.OnYear });
        return await RunAsync(urn, personId, member, readModels, vault, store, response, again,
            async () => (await RecordLeave.Return(personId, new(on), context, store, response.HttpContext.RequestServices.GetRequiredService<Scheduling.ScheduledWork>(),
                response.HttpContext.RequestServices.GetRequiredService<Npgsql.NpgsqlDataSource>(), response, ct)).Value!, ct);
    }

    static async Task<IResult> LeavingAsync(
        string urn, Guid personId, [FromForm] LeavingForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var on = PageForms.Date(form.LeftOnDay, form.LeftOnMonth, form.LeftOnYear, "the date they left", "leftOn", errors);
        var again = new Sent(errors, null, new Dictionary<string, string?> { ["leftOn-day"] = form.LeftOnDay, ["leftOn-month"] = form.LeftOnMonth, ["leftOn-year"] = form.LeftOnYear });
        return await RunAsync(urn, personId, member, readModels, vault, store, response, again,
            async () => (await RecordLeaving.Handle(personId, new(on), context, store, response.HttpContext.RequestServices.GetRequiredService<Scheduling.ScheduledWork>(),
                response.HttpContext.RequestServices.GetRequiredService<Npgsql.NpgsqlDataSource>(), response, ct)).Value!, ct);
    }

    static async Task<IResult> SignInEmailAsync(
        string urn, Guid personId, [FromForm] EmailForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        // The services come from the request: more parameters beside a [FromForm] record break the framework's binding.
        var (emails, dataSource) = (response.HttpContext.RequestServices.GetRequiredService<SignIn.SignInEmails>(),
            response.HttpContext.RequestServices.GetRequiredService<NpgsqlDataSource>());
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var email = Email(form.Email, required: true, errors);
        var again = new Sent(errors, null, new Dictionary<string, string?> { ["email"] = form.Email });
        return await RunAsync(urn, personId, member, readModels, vault, store, response, again,
            async () => (await SetSignInEmail.Handle(personId, new(email), context, store, vault, emails, dataSource, response, ct)).Value!, ct);
    }

    /// <summary>A sign-in email field: trimmed, null when left empty (an error when it is required), or an error when it is not an address.</summary>
    static string? Email(string? value, bool required, List<FieldError> errors)
    {
        var email = PageForms.Text(value);
        if (email is null)
        {
            if (required)
            {
                errors.Add(new("email", "Enter the email address they sign in with"));
            }
            return null;
        }
        if (!SignIn.SignInEmails.IsValid(email))
        {
            errors.Add(new("email", "Enter an email address in the correct format, like a.teacher@school.sch.uk"));
            return null;
        }
        return email;
    }

    /// <summary>A person's form: its own field errors first (nothing is recorded), then the use case, back to their page.</summary>
    static async Task<IResult> RunAsync(
        string urn, Guid personId, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, LedgerStore store,
        HttpResponse response, Sent again, Func<Task<CommandResult>> command, CancellationToken ct)
    {
        if (again.Errors.Count > 0)
        {
            return await RenderPersonAsync(urn, personId, member, readModels, vault, store, response, again, StatusCodes.Status400BadRequest, ct);
        }
        return await PageForms.RunAsync(command, $"/schools/{urn}/people/{personId:D}",
            (fieldErrors, refusal, status) => RenderPersonAsync(urn, personId, member, readModels, vault, store, response,
                again with { Errors = fieldErrors, Refusal = refusal }, status, ct));
    }

    /// <summary>The ticked roles: those the ledger knows, and what was ticked (to tick again when the form comes back).</summary>
    static async Task<(IReadOnlyList<Role> Roles, IReadOnlyList<string> Ticked)> RolesAsync(
        HttpRequest request, string message, List<FieldError> errors, CancellationToken ct)
    {
        var ticked = (await request.ReadFormAsync(ct))["roles"].OfType<string>().ToList();
        var roles = RoleChoices.Where(c => ticked.Contains(c.Value)).Select(c => c.Kind).ToList();
        if (roles.Count == 0)
        {
            errors.Add(new("roles", message));
        }
        return (roles, ticked);
    }

    static async Task<RazorComponentResult<PeoplePage>> RenderListAsync(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, Sent sent, int status, CancellationToken ct,
        Receipt? received = null)
    {
        var people = (await ListPeople.Handle(urn, readModels, vault, ct)).Value!;
        return new RazorComponentResult<PeoplePage>(new
        {
            Urn = urn,
            People = people.Items,
            Today = people.AsOf.Day,
            CanEnrol = member.Holds(PeopleEndpoints.Enrollers),
            Sent = sent,
            Received = received,
            FormKey = Guid.NewGuid().ToString("D"),
        })
        { StatusCode = status };
    }

    static async Task<RazorComponentResult<PersonPage>> RenderPersonAsync(
        string urn, Guid personId, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, LedgerStore store,
        HttpResponse response, Sent sent, int status, CancellationToken ct, Receipt? received = null)
    {
        var person = (await ShowPerson.Handle(urn, personId, member, readModels, vault, store, response, ct)).Value!;
        // The page's forms send no If-Match: the person's ETag is for API clients.
        response.Headers.Remove("ETag");
        var dataSource = response.HttpContext.RequestServices.GetRequiredService<NpgsqlDataSource>();
        var email = (await SetSignInEmail.Show(urn, personId, dataSource, vault, ct)).Value!;
        var office = member.Holds(PeopleEndpoints.Enrollers);
        return new RazorComponentResult<PersonPage>(new
        {
            Urn = urn,
            Person = person.Item,
            Today = person.AsOf.Day,
            CanChange = office,
            // The address is the office's to see; anyone else who reads the page learns only whether one is set.
            SignInEmail = office ? email : email with { Email = null },
            Sent = sent,
            Received = received,
            FormKey = Guid.NewGuid().ToString("D"),
        })
        { StatusCode = status };
    }

    static long? Position(string? recorded) => long.TryParse(recorded, out var at) ? at : null;
}
