using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Credentials;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts.Pages;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Receipts;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.Web;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>
/// The office's register of official accounts: register one, its risk assessment and approval,
/// its custodians (the login lodged as a vault reference, never the secret), rotations,
/// break-glass access and closure. Each form posts to the same use case as the API, under the
/// same roles; trust leaders read the register and change nothing.
/// </summary>
public static class AccountPages
{
    // Forms bind to properties, not constructor parameters: a field left out reads as null.
    public sealed record RegisterForm
    {
        public string? Platform { get; init; }

        public string? Handle { get; init; }

        public string? Url { get; init; }

        public string? Purpose { get; init; }

        public string? IntendedOutcomes { get; init; }

        public string? OwnerId { get; init; }

        public string? RegistrationEmail { get; init; }
    }

    public sealed record RiskForm
    {
        public string? Reference { get; init; }

        public string? AssessedOnDay { get; init; }

        public string? AssessedOnMonth { get; init; }

        public string? AssessedOnYear { get; init; }
    }

    public sealed record ApprovalForm
    {
        public string? Conditions { get; init; }
    }

    public sealed record LodgeForm
    {
        public string? CustodianId { get; init; }

        public string? VaultReference { get; init; }
    }

    public sealed record RemovalForm
    {
        public string? Reason { get; init; }
    }

    public sealed record RotationForm
    {
        public string? Reason { get; init; }

        public string? RotatedOnDay { get; init; }

        public string? RotatedOnMonth { get; init; }

        public string? RotatedOnYear { get; init; }

        public string? VaultReference { get; init; }
    }

    public sealed record BreakGlassForm
    {
        public string? Reason { get; init; }
    }

    public sealed record ClosureForm
    {
        public string? DecommissionedOnDay { get; init; }

        public string? DecommissionedOnMonth { get; init; }

        public string? DecommissionedOnYear { get; init; }
    }

    /// <summary>A choice a form offers: the value sent, the words shown, and what it records.</summary>
    public sealed record Choice<T>(string Value, string Label, T Kind);

    public static readonly IReadOnlyList<Choice<Platform>> Platforms =
    [
        new("facebook", "Facebook", Platform.Facebook),
        new("x", "X (formerly Twitter)", Platform.X),
        new("instagram", "Instagram", Platform.Instagram),
        new("youtube", "YouTube", Platform.Youtube),
        new("class-dojo", "ClassDojo", Platform.ClassDojo),
        new("tiktok", "TikTok", Platform.Tiktok),
        new("linkedin", "LinkedIn", Platform.Linkedin),
        new("other", "Another platform", Platform.Other),
    ];

    public static readonly IReadOnlyList<Choice<CustodianRemovalReason>> RemovalReasons =
    [
        new("left-school", "They left the school", CustodianRemovalReason.LeftSchool),
        new("role-changed", "Their role changed", CustodianRemovalReason.RoleChanged),
        new("reassigned", "Someone else holds it now", CustodianRemovalReason.Reassigned),
        new("other", "Another reason", CustodianRemovalReason.Other),
    ];

    public static readonly IReadOnlyList<Choice<RotationReason>> RotationReasons =
    [
        new("scheduled", "On schedule", RotationReason.Scheduled),
        new("owner-left", "The owner left", RotationReason.OwnerLeft),
        new("custodian-left", "A custodian left or gave it up", RotationReason.CustodianLeft),
        new("suspected-compromise", "We suspect someone else knows it", RotationReason.SuspectedCompromise),
        new("other", "Another reason", RotationReason.Other),
    ];

    public static RouteGroupBuilder MapAccountPages(this RouteGroupBuilder school)
    {
        school.MapGet("/accounts", ListAsync).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders();
        school.MapPost("/accounts", RegisterAsync).RequireRoles(OfficialAccountEndpoints.Recorders);
        school.MapGet("/accounts/{accountId:guid}", ShowAsync).RequireRoles(Roles.DashboardReaders).ReadableByTrustLeaders();
        school.MapPost("/accounts/{accountId:guid}/risk-assessment", RiskAssessAsync).RequireRoles(OfficialAccountEndpoints.Managers);
        school.MapPost("/accounts/{accountId:guid}/approval", ApproveAsync).RequireRoles(Role.Headteacher, Role.ChairOfGovernors);
        school.MapPost("/accounts/{accountId:guid}/custodians", LodgeAsync).RequireRoles(CredentialEndpoints.Custody);
        school.MapPost("/accounts/{accountId:guid}/custodians/{personId:guid}/removal", RemoveAsync).RequireRoles(CredentialEndpoints.Custody);
        school.MapPost("/accounts/{accountId:guid}/rotation", RotateAsync).RequireRoles(CredentialEndpoints.Custody);
        school.MapPost("/accounts/{accountId:guid}/break-glass", BreakGlassAsync).RequireRoles(CredentialEndpoints.Custody);
        school.MapPost("/accounts/{accountId:guid}/closure", CloseAsync).RequireRoles(OfficialAccountEndpoints.Managers);
        return school;
    }

    /// <summary>What a page needs to draw itself again after a form: the errors, the refusal and what was typed, by field id.</summary>
    public sealed record Sent(IReadOnlyList<FieldError> Errors, string? Refusal, IReadOnlyDictionary<string, string?> Typed)
    {
        public static readonly Sent Nothing = new([], null, new Dictionary<string, string?>());
    }

    static async Task<RazorComponentResult<AccountsPage>> ListAsync(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, NpgsqlDataSource dataSource, CancellationToken ct,
        string? recorded = null) =>
        await RenderListAsync(urn, member, readModels, vault, Sent.Nothing, StatusCodes.Status200OK, ct,
            await ReceiptPages.FindAsync(dataSource, member, Position(recorded), ct));

    static async Task<IResult> RegisterAsync(
        string urn, [FromForm] RegisterForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels, LedgerStore store,
        PersonalDataVault vault, NpgsqlDataSource dataSource, HttpResponse response, CancellationToken ct)
    {
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var platform = Platforms.FirstOrDefault(p => p.Value == form.Platform);
        if (platform is null)
        {
            errors.Add(new("platform", "Select the platform"));
        }
        Required(form.Handle, "handle", "Enter the account's handle, such as @HistoryIHS", errors);
        Required(form.Url, "url", "Enter the account's web address", errors);
        Required(form.Purpose, "purpose", "Enter what the account is for", errors);
        Required(form.IntendedOutcomes, "intendedOutcomes", "Enter what the school hopes it achieves", errors);
        if (!Guid.TryParse(form.OwnerId, out var ownerId))
        {
            errors.Add(new("ownerId", "Select who owns the account"));
        }
        if (PageForms.Text(form.RegistrationEmail) is not { } email)
        {
            errors.Add(new("registrationEmail", "Enter the email address the account is registered with"));
        }
        else if (!email.Contains('@', StringComparison.Ordinal))
        {
            errors.Add(new("registrationEmail", "Enter an email address in the correct format, like office@school.sch.uk"));
        }
        var typed = new Dictionary<string, string?>
        {
            ["platform"] = form.Platform,
            ["handle"] = form.Handle,
            ["url"] = form.Url,
            ["purpose"] = form.Purpose,
            ["intendedOutcomes"] = form.IntendedOutcomes,
            ["ownerId"] = form.OwnerId,
            ["registrationEmail"] = form.RegistrationEmail,
        };
        if (errors.Count > 0)
        {
            return await RenderListAsync(urn, member, readModels, vault, new(errors, null, typed), StatusCodes.Status400BadRequest, ct);
        }
        return await PageForms.RunAsync(
            async () => Recorded(await RegisterAccount.Handle(
                new(platform!.Kind, form.Handle, form.Url, form.Purpose, form.IntendedOutcomes, ownerId, form.RegistrationEmail),
                context, store, vault, dataSource, response, ct)),
            $"/schools/{urn}/accounts",
            (fieldErrors, refusal, status) => RenderListAsync(urn, member, readModels, vault, new(fieldErrors, refusal, typed), status, ct));
    }

    static async Task<RazorComponentResult<AccountPage>> ShowAsync(
        string urn, Guid accountId, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, NpgsqlDataSource dataSource,
        HttpResponse response, CancellationToken ct, string? recorded = null) =>
        await RenderAccountAsync(urn, accountId, member, readModels, vault, response, Sent.Nothing, StatusCodes.Status200OK, ct,
            await ReceiptPages.FindAsync(dataSource, member, Position(recorded), ct));

    static async Task<IResult> RiskAssessAsync(
        string urn, Guid accountId, [FromForm] RiskForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var reference = Required(form.Reference, "riskReference", "Enter the risk assessment's reference", errors);
        var on = PageForms.Date(form.AssessedOnDay, form.AssessedOnMonth, form.AssessedOnYear, "the date it was assessed", "assessedOn", errors);
        var typed = new Dictionary<string, string?> { ["riskReference"] = form.Reference, ["assessedOn-day"] = form.AssessedOnDay, ["assessedOn-month"] = form.AssessedOnMonth, ["assessedOn-year"] = form.AssessedOnYear };
        return await RunAsync(urn, accountId, member, readModels, vault, response, errors, typed,
            async () => (await RecordRiskAssessment.Handle(accountId, new(reference, on), context, store, response, ct)).Value!, ct);
    }

    static async Task<IResult> ApproveAsync(
        string urn, Guid accountId, [FromForm] ApprovalForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        // Resolved here, not bound: with an eleventh parameter the framework fails to build the
        // handler of a nullable [FromForm] record ("variable 'sent_local' ... is not defined").
        var dataSource = response.HttpContext.RequestServices.GetRequiredService<NpgsqlDataSource>();
        var form = sent ?? new();
        var typed = new Dictionary<string, string?> { ["conditions"] = form.Conditions };
        return await RunAsync(urn, accountId, member, readModels, vault, response, [], typed,
            async () => (await ApproveAccount.Handle(accountId, new(PageForms.Text(form.Conditions)), context, member, store, dataSource, response, ct)).Value!, ct);
    }

    static async Task<IResult> LodgeAsync(
        string urn, Guid accountId, [FromForm] LodgeForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var form = sent ?? new();
        var errors = new List<FieldError>();
        if (!Guid.TryParse(form.CustodianId, out var custodianId))
        {
            errors.Add(new("custodianId", "Select who holds the login"));
        }
        var reference = Required(form.VaultReference, "vaultReference", "Enter where the login is kept, such as KeePass: Comms/YouTube", errors);
        var typed = new Dictionary<string, string?> { ["custodianId"] = form.CustodianId, ["vaultReference"] = form.VaultReference };
        return await RunAsync(urn, accountId, member, readModels, vault, response, errors, typed,
            async () => (await LodgeCredentials.Handle(accountId, new(custodianId, reference), context, store, vault, response, ct)).Value!, ct);
    }

    static async Task<IResult> RemoveAsync(
        string urn, Guid accountId, Guid personId, [FromForm] RemovalForm? sent, CommandContext context, SchoolMember member,
        ReadModelReader readModels, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        // Resolved here, not bound: the ten-parameter limit (see ApproveAsync).
        var vault = response.HttpContext.RequestServices.GetRequiredService<PersonalDataVault>();
        var form = sent ?? new();
        var field = $"removal-{personId:D}";
        var errors = new List<FieldError>();
        var reason = RemovalReasons.FirstOrDefault(r => r.Value == form.Reason);
        if (reason is null)
        {
            errors.Add(new(field, "Select why they no longer hold the login"));
        }
        var typed = new Dictionary<string, string?> { [field] = form.Reason };
        return await RunAsync(urn, accountId, member, readModels, vault, response, errors, typed,
            async () => (await RemoveCustodian.Handle(accountId, personId, new(reason!.Kind), context, store, response, ct)).Value!, ct);
    }

    static async Task<IResult> RotateAsync(
        string urn, Guid accountId, [FromForm] RotationForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var reason = RotationReasons.FirstOrDefault(r => r.Value == form.Reason);
        if (reason is null)
        {
            errors.Add(new("rotationReason", "Select why the login was changed"));
        }
        var on = PageForms.Date(form.RotatedOnDay, form.RotatedOnMonth, form.RotatedOnYear, "the date the login was changed", "rotatedOn", errors);
        var typed = new Dictionary<string, string?>
        {
            ["rotationReason"] = form.Reason,
            ["rotatedOn-day"] = form.RotatedOnDay,
            ["rotatedOn-month"] = form.RotatedOnMonth,
            ["rotatedOn-year"] = form.RotatedOnYear,
            ["rotationVaultReference"] = form.VaultReference,
        };
        return await RunAsync(urn, accountId, member, readModels, vault, response, errors, typed,
            async () => (await RotateCredentials.Handle(accountId, new(reason!.Kind, on, PageForms.Text(form.VaultReference)), context, store, vault,
                response, ct)).Value!, ct);
    }

    static async Task<IResult> BreakGlassAsync(
        string urn, Guid accountId, [FromForm] BreakGlassForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var reason = Required(form.Reason, "breakGlassReason", "Enter why you opened the vault entry", errors);
        var typed = new Dictionary<string, string?> { ["breakGlassReason"] = form.Reason };
        return await RunAsync(urn, accountId, member, readModels, vault, response, errors, typed,
            async () => (await RecordBreakGlassAccess.Handle(accountId, new(reason), context, store, vault, response, ct)).Value!, ct);
    }

    static async Task<IResult> CloseAsync(
        string urn, Guid accountId, [FromForm] ClosureForm? sent, CommandContext context, SchoolMember member, ReadModelReader readModels,
        LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var form = sent ?? new();
        var errors = new List<FieldError>();
        var on = PageForms.Date(form.DecommissionedOnDay, form.DecommissionedOnMonth, form.DecommissionedOnYear, "the date the account was closed", "decommissionedOn", errors);
        var typed = new Dictionary<string, string?> { ["decommissionedOn-day"] = form.DecommissionedOnDay, ["decommissionedOn-month"] = form.DecommissionedOnMonth, ["decommissionedOn-year"] = form.DecommissionedOnYear };
        return await RunAsync(urn, accountId, member, readModels, vault, response, errors, typed,
            async () => (await DecommissionAccount.Handle(accountId, new(on), context, store, response, ct)).Value!, ct);
    }

    /// <summary>An account form: its own field errors first (nothing is recorded), then the use case, back to the account's page.</summary>
    static async Task<IResult> RunAsync(
        string urn, Guid accountId, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, HttpResponse response,
        List<FieldError> errors, Dictionary<string, string?> typed, Func<Task<CommandResult>> command, CancellationToken ct)
    {
        if (errors.Count > 0)
        {
            return await RenderAccountAsync(urn, accountId, member, readModels, vault, response, new(errors, null, typed), StatusCodes.Status400BadRequest, ct);
        }
        return await PageForms.RunAsync(command, $"/schools/{urn}/accounts/{accountId:D}",
            (fieldErrors, refusal, status) => RenderAccountAsync(urn, accountId, member, readModels, vault, response, new(fieldErrors, refusal, typed), status, ct));
    }

    static async Task<RazorComponentResult<AccountsPage>> RenderListAsync(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, Sent sent, int status, CancellationToken ct,
        Receipt? received = null)
    {
        var accounts = (await AccountRegister.List(urn, readModels, vault, ct)).Value!;
        var people = member.Holds(OfficialAccountEndpoints.Recorders) ? await CurrentPeopleAsync(urn, readModels, vault, ct) : [];
        return new RazorComponentResult<AccountsPage>(new
        {
            Urn = urn,
            Accounts = accounts.Items,
            People = people,
            CanRegister = member.Holds(OfficialAccountEndpoints.Recorders),
            Sent = sent,
            Received = received,
            FormKey = Guid.NewGuid().ToString("D"),
        })
        { StatusCode = status };
    }

    static async Task<RazorComponentResult<AccountPage>> RenderAccountAsync(
        string urn, Guid accountId, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, HttpResponse response,
        Sent sent, int status, CancellationToken ct, Receipt? received = null)
    {
        var found = (await AccountRegister.One(urn, accountId, readModels, vault, response, ct)).Result;
        var account = found is Ok<Entry<AccountRegister.AccountView>> ok
            ? ok.Value!.Item
            : throw CommandRefusedException.NotFound("No such official account at this school.");
        // The page's forms send no If-Match: the account's ETag is for API clients.
        response.Headers.Remove("ETag");
        var custody = member.Holds(CredentialEndpoints.Custody);
        var people = custody ? await CurrentPeopleAsync(urn, readModels, vault, ct) : [];
        return new RazorComponentResult<AccountPage>(new
        {
            Urn = urn,
            Account = account,
            Leaders = people.Where(p => p.Roles.Any(r => Roles.Leadership.Select(Roles.Name).Contains(r))
                && account.Custodians.All(c => c.PersonId != p.PersonId)).ToList(),
            CanAssess = member.Holds(OfficialAccountEndpoints.Managers),
            CanApprove = member.Holds(Role.Headteacher, Role.ChairOfGovernors),
            CanKeep = custody,
            IsCustodian = account.Custodians.Any(c => c.PersonId == member.PersonId),
            CanClose = member.Holds(OfficialAccountEndpoints.Managers),
            Sent = sent,
            Received = received,
            FormKey = Guid.NewGuid().ToString("D"),
        })
        { StatusCode = status };
    }

    /// <summary>People at the school now, names opened by the people use case (they are sealed in the ledger).</summary>
    static async Task<IReadOnlyList<ListPeople.PersonView>> CurrentPeopleAsync(string urn, ReadModelReader readModels, PersonalDataVault vault, CancellationToken ct) =>
        [.. (await ListPeople.Handle(urn, readModels, vault, ct)).Value!.Items.Where(p => p.LeftOn is null && p.Name != ListPeople.Erased)];

    /// <summary>The register's answer as the form runner takes it: a 409 problem (already registered) is a refusal like any other.</summary>
    static CommandResult Recorded(Results<Created<CommandResult>, ProblemHttpResult> result) => result.Result switch
    {
        Created<CommandResult> created => created.Value!,
        ProblemHttpResult problem => throw new CommandRefusedException(problem.StatusCode, problem.ProblemDetails.Title ?? "Refused",
            problem.ProblemDetails.Detail ?? "The register refused this account."),
        _ => throw new InvalidOperationException("An answer the register does not give."),
    };

    static string Required(string? value, string field, string message, List<FieldError> errors)
    {
        if (PageForms.Text(value) is { } text)
        {
            return text;
        }
        errors.Add(new(field, message));
        return "";
    }

    static long? Position(string? recorded) => long.TryParse(recorded, out var at) ? at : null;
}
