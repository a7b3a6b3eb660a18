using System.Globalization;

namespace ComplianceLedger.Tests.Fixtures;

/// <summary>A date as a page's GOV.UK date input sends it: three fields, {name}Day, {name}Month and {name}Year.</summary>
public static class DateFields
{
    /// <summary>Adds the three fields for a date given as yyyy-MM-dd, typed as a person would (no leading zeros).</summary>
    public static Dictionary<string, string> WithDate(this Dictionary<string, string> fields, string name, string isoDate)
    {
        var date = DateOnly.ParseExact(isoDate, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return fields.WithDate(name, date.Day.ToString(CultureInfo.InvariantCulture), date.Month.ToString(CultureInfo.InvariantCulture),
            date.Year.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Adds the three fields as typed, each possibly empty or wrong.</summary>
    public static Dictionary<string, string> WithDate(this Dictionary<string, string> fields, string name, string day, string month, string year)
    {
        fields[$"{name}Day"] = day;
        fields[$"{name}Month"] = month;
        fields[$"{name}Year"] = year;
        return fields;
    }

    public static Dictionary<string, string> Date(string name, string isoDate) => new Dictionary<string, string>().WithDate(name, isoDate);
}
