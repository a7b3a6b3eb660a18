using System.Globalization;
using System.Text;
using ClosedXML.Excel;

namespace ComplianceLedger.Api.Import;

/// <summary>
/// A plausible staff list of any size, for the import's tests and benchmark (the 5,000-row file):
/// unique first.last addresses at the school's domain, roles in plain words as schools write them,
/// start dates in both the forms UK spreadsheets hold (and as date cells in a workbook).
/// The same count, domain and seed always give the same file, so its SHA-256 is stable.
/// </summary>
public static class StaffFileGenerator
{
    public static readonly string[] Headers = ["Name", "Email", "Roles", "Start date"];

    static readonly string[] First = ["Ana", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Harry", "Isla", "Jack", "Kiran", "Leah", "Mo", "Nia", "Omar", "Priya"];
    static readonly string[] Last = ["Smith", "Jones", "Patel", "Okoro", "Williams", "Khan", "Brown", "Taylor", "Davies", "Evans", "Wilson", "Shah", "Hughes"];
    static readonly string[] RoleWords = ["Teacher", "Teacher", "support staff", "Support Staff", "Teacher; Governor", "Volunteer", "Trainee", "Supply"];

    /// <summary>The rows after the header: name, email, roles, start date (as a date, written by the caller in its form).</summary>
    public static IEnumerable<(string Name, string Email, string Roles, DateOnly StartedOn)> Rows(int count, string domain, int seed = 1)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var (first, last) = (First[random.Next(First.Length)], Last[random.Next(Last.Length)]);
            var n = i.ToString(CultureInfo.InvariantCulture);
            yield return ($"{first} {last}", $"{first}.{last}.{n}@{domain}".ToLowerInvariant(), RoleWords[random.Next(RoleWords.Length)],
                new DateOnly(2015, 9, 1).AddDays(random.Next(0, 3650)));
        }
    }

    /// <summary>The list as CSV; every other row's date is day first (01/09/2024), the rest ISO.</summary>
    public static byte[] Csv(int count, string domain, int seed = 1)
    {
        var text = new StringBuilder();
        text.Append(string.Join(',', Headers)).Append("\r\n");
        var i = 0;
        foreach (var (name, email, roles, startedOn) in Rows(count, domain, seed))
        {
            var date = i++ % 2 == 0 ? startedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : startedOn.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"{name},{email},{roles},{date}\r\n");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The list as a workbook, its start dates as date cells.</summary>
    public static byte[] Xlsx(int count, string domain, int seed = 1)
    {
        using var workbook = new XLWorkbook();
        var sheet = workbook.AddWorksheet("Staff");
        for (var c = 0; c < Headers.Length; c++)
        {
            sheet.Cell(1, c + 1).Value = Headers[c];
        }
        var r = 2;
        foreach (var (name, email, roles, startedOn) in Rows(count, domain, seed))
        {
            sheet.Cell(r, 1).Value = name;
            sheet.Cell(r, 2).Value = email;
            sheet.Cell(r, 3).Value = roles;
            sheet.Cell(r, 4).Value = startedOn.ToDateTime(TimeOnly.MinValue);
            sheet.Cell(r, 4).Style.DateFormat.Format = "dd/mm/yyyy";
            r++;
        }
        using var output = new MemoryStream();
        workbook.SaveAs(output);
        return output.ToArray();
    }
}
