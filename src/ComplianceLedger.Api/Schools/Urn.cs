using System.Text.RegularExpressions;

namespace ComplianceLedger.Api.Schools;

/// <summary>A school's Unique Reference Number from the DfE: six digits. A school is a tenant.</summary>
public static partial class Urn
{
    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    [GeneratedRegex("^[0-9]{6}$")]
    private static partial Regex Pattern();
}
