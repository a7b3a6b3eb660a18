using System.Globalization;
using System.Text.RegularExpressions;
using ComplianceLedger.Api.EvidencePacks.Pages;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Api.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ComplianceLedger.Api.EvidencePacks;

/// <summary>
/// The evidence pack from a page: choose the period, watch it being built (the page refreshes
/// itself, no script), download it. The same rules and builds as the API.
/// </summary>
public static partial class PackPages
{
    public sealed record PackForm
    {
        /// <summary>"period" (from and to) or "asOf" (everything up to a date).</summary>
        public string? Covers { get; init; }

        public string? FromDay { get; init; }

        public string? FromMonth { get; init; }

        public string? FromYear { get; init; }

        public string? ToDay { get; init; }

        public string? ToMonth { get; init; }

        public string? ToYear { get; init; }

        public string? AsOfDay { get; init; }

        public string? AsOfMonth { get; init; }

        public string? AsOfYear { get; init; }
    }

    public static string FormHref(string urn) => $"/schools/{urn}/evidence-pack";

    /// <summary>Whether the signed-in member may build the pack (for the links to it on other pages).</summary>
    public static bool MayBuild(HttpContext? http) =>
        http?.Features.Get<SchoolMember>() is { Visiting: false } member && member.Holds(PackEndpoints.Builders);

    public static RouteGroupBuilder MapEvidencePackPages(this RouteGroupBuilder school)
    {
        school.MapGet("/evidence-pack", (string urn) => FormPage(urn, new PackForm(), [], StatusCodes.Status200OK)).RequireRoles(PackEndpoints.Builders);
        school.MapPost("/evidence-pack", StartAsync).RequireRoles(PackEndpoints.Builders);
        school.MapGet("/evidence-pack/{packId:guid}", ProgressPage).RequireRoles(PackEndpoints.Builders);
        return school;
    }

    static RazorComponentResult<BuildPackPage> FormPage(string urn, PackForm form, IReadOnlyList<FieldError> errors, int status, string? refusal = null) =>
        new(new { Urn = urn, Form = form, Errors = errors, Refusal = refusal, FormKey = Guid.NewGuid().ToString("D") }) { StatusCode = status };

    static async Task<IResult> StartAsync(
        string urn, [FromForm] PackForm? sent, SchoolMember member, PackBuilds builds, EvidencePackBuilder builder, TimeProvider time, CancellationToken ct)
    {
        // A form whose every field is left out binds to nothing.
        var form = sent ?? new();
        var errors = new List<FieldError>();
        string? from = null, to = null, asOf = null;
        switch (form.Covers)
        {
            case "period":
                from = Iso(PageForms.Date(form.FromDay, form.FromMonth, form.FromYear, "the first day of the period", "from", errors));
                to = Iso(PageForms.Date(form.ToDay, form.ToMonth, form.ToYear, "the last day of the period", "to", errors));
                break;
            case "asOf":
                asOf = Iso(PageForms.Date(form.AsOfDay, form.AsOfMonth, form.AsOfYear, "the date", "asOf", errors));
                break;
            default:
                errors.Add(new FieldError("covers", "Select what the pack covers"));
                break;
        }
        if (errors.Count > 0)
        {
            return FormPage(urn, form, errors, StatusCodes.Status400BadRequest);
        }
        var outcome = await StartEvidencePack.StartAsync(from, to, asOf, member, builds, builder, time, ct);
        if (outcome.Errors.Count > 0)
        {
            // The API's rules, in the page's words and linked to the date's first box.
            return FormPage(urn, form, [.. outcome.Errors.Select(e => new FieldError($"{e.Field}-day", PageWords(e.Message)))], StatusCodes.Status400BadRequest);
        }
        if (outcome.NoSchool)
        {
            return TypedResults.Problem($"You have no school {urn}.", title: "No such school", statusCode: StatusCodes.Status404NotFound);
        }
        if (!outcome.Started)
        {
            return FormPage(urn, form, [], StatusCodes.Status409Conflict,
                $"An evidence pack for this school is already being built ({outcome.Build!.Percent}% done). Wait a minute and try again.");
        }
        return new SeeOther($"{FormHref(urn)}/{outcome.Build!.Id:D}");
    }

    static IResult ProgressPage(string urn, Guid packId, SchoolMember member, PackBuilds builds) =>
        ShowEvidencePack.Handle(urn, packId, member, builds).Result is Ok<PackStatus> { Value: { } status }
            ? new RazorComponentResult<PackProgressPage>(new { Urn = urn, Pack = status })
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such evidence pack",
                detail: "You asked for no such evidence pack at this school, or it was deleted an hour after it was built.");

    static string? Iso(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The API names its fields; the page names what they are.</summary>
    public static string PageWords(string message)
    {
        var words = FieldName().Replace(message, m => m.Value switch
        {
            "from" => "the first day",
            "to" => "the last day",
            _ => "the date",
        });
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    [GeneratedRegex(@"\b(from|to|asOf)\b(?! a | the )")]
    private static partial Regex FieldName();

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
    };

    sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
