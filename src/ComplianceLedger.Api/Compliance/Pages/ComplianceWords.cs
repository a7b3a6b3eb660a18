using System.Globalization;
using ComplianceLedger.Api.AsOf;

namespace ComplianceLedger.Api.Compliance.Pages;

/// <summary>The school's words for rules, roles and statuses on the governors' pages, and the red-amber-green they add up to.</summary>
public static class ComplianceWords
{
    public static readonly CultureInfo Dates = CultureInfo.InvariantCulture;

    public static string Day(DateOnly day) => day.ToString("d MMMM yyyy", Dates);

    public static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", Dates);

    public static string Rule(string rule) => rule switch
    {
        "acknowledgement" => "Policy acknowledgements",
        "dsl-consultation" => "DSL consulted on each declaration",
        "exception-decision" => "Exceptions decided",
        "exception-review" => "Approved exceptions reviewed in time",
        "lapsed-relationship" => "Relationships still declared after a lapse",
        "policy-review" => "Policies reviewed and ratified",
        "segregation-of-duties" => "Nobody decides their own request",
        "account-approved-before-use" => "Official accounts approved before use",
        "account-risk-assessed" => "Official accounts risk assessed",
        "account-school-email" => "Official accounts on a school email address",
        "account-handle-tag" => "Official account handles carry the school's tag",
        "account-owner-current" => "Official accounts have a current owner",
        "account-credential-custody" => "Official account logins lodged with a custodian",
        "account-credential-rotation" => "Official account logins rotated after a change",
        "account-url-before-pupil-access" => "Account address notified before pupils use it",
        "account-aup-link" => "Official accounts link to the acceptable use policy",
        _ => rule,
    };

    public static string Role(string role) => role switch
    {
        "dsl" => "DSL",
        "slt" => "SLT",
        _ => role.Length == 0 ? role : char.ToUpperInvariant(role[0]) + role[1..].Replace('-', ' '),
    };

    public static string Status(string status) => status switch
    {
        "ok" => "Done",
        "due" => "Due",
        "overdue" => "Overdue",
        "attention" => "Needs attention",
        "on-leave" => "On leave",
        "not-started" => "Not started",
        _ => status,
    };

    /// <summary>Overdue first, then what needs attention, then what is due, then the rest.</summary>
    public static int Urgency(string status) => status switch
    {
        "overdue" => 0,
        "attention" => 1,
        "due" => 2,
        "ok" => 4,
        _ => 3,
    };

    public enum Rag
    {
        Red,
        Amber,
        Green,
    }

    /// <summary>Red when anything is overdue, amber when something is due or needs attention, else green.</summary>
    public static Rag Of(SchoolCompliance.StatusCounts counts) =>
        counts.Overdue > 0 ? Rag.Red : counts.Due > 0 || counts.Attention > 0 ? Rag.Amber : Rag.Green;

    /// <summary>A role's acknowledgements: red with any overdue, amber while some are still within their days, green when all are in.</summary>
    public static Rag Of(int overdue, int required, int acknowledged) =>
        overdue > 0 ? Rag.Red : acknowledged < required ? Rag.Amber : Rag.Green;

    public static string TagClass(Rag rag) => rag switch
    {
        Rag.Red => "govuk-tag govuk-tag--red",
        Rag.Amber => "govuk-tag govuk-tag--yellow",
        _ => "govuk-tag govuk-tag--green",
    };

    public static string StatusTagClass(string status) => status switch
    {
        "overdue" => "govuk-tag govuk-tag--red",
        "attention" => "govuk-tag govuk-tag--orange",
        "due" => "govuk-tag govuk-tag--yellow",
        "ok" => "govuk-tag govuk-tag--green",
        _ => "govuk-tag govuk-tag--grey",
    };

    /// <summary>"As of 7 December 2026, ledger position 42": what every governors' page reflects.</summary>
    public static string AsOf(LedgerPoint point) =>
        $"As of {Day(point.Day)}{(point.Live ? " (live)" : "")}, ledger position {point.Position ?? 0}";

    /// <summary>A query string from the non-empty values, escaped.</summary>
    public static string Query(params (string Name, string? Value)[] values)
    {
        var parts = values.Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => $"{v.Name}={Uri.EscapeDataString(v.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }
}
