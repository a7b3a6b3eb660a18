namespace ComplianceLedger.Api.OfficialAccounts.Pages;

/// <summary>The register's states and flags in the school's words; a tag always carries the word, never colour alone.</summary>
public static class AccountWords
{
    public static string Platform(string platform) =>
        AccountPages.Platforms.FirstOrDefault(p => p.Value == platform)?.Label ?? platform;

    public static string State(string state) => state switch
    {
        "awaiting-approval" => "Awaiting approval",
        "approved" => "Approved, not yet used",
        "live" => "In use",
        "suspended" => "Suspended",
        "decommissioned" => "Closed",
        _ => state,
    };

    public static string StateTag(string state) => state switch
    {
        "awaiting-approval" => "govuk-tag govuk-tag--yellow",
        "approved" or "live" => "govuk-tag govuk-tag--green",
        "suspended" => "govuk-tag govuk-tag--orange",
        _ => "govuk-tag govuk-tag--grey",
    };

    public static string Status(string status) => status switch
    {
        "overdue" => "Overdue",
        "due" => "Due",
        "attention" => "Needs attention",
        _ => char.ToUpperInvariant(status[0]) + status[1..].Replace('-', ' '),
    };

    public static string StatusTag(string status) => status switch
    {
        "overdue" => "govuk-tag govuk-tag--red",
        "attention" => "govuk-tag govuk-tag--orange",
        "due" => "govuk-tag govuk-tag--yellow",
        _ => "govuk-tag govuk-tag--grey",
    };

    /// <summary>A rule's id (<c>account-custody</c>) as words.</summary>
    public static string Rule(string rule) => char.ToUpperInvariant(rule[0]) + rule[1..].Replace('-', ' ');

    public static string Rotation(string reason) =>
        AccountPages.RotationReasons.FirstOrDefault(r => r.Value == reason)?.Label ?? reason;
}
