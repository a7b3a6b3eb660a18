using System.Globalization;
using ComplianceLedger.Api.People;

namespace ComplianceLedger.Api.Import;

/// <summary>A column a file must or may have: its name as documented, and other headers schools write for it.</summary>
public sealed record ImportColumn(string Name, bool Required = true, params string[] Aliases)
{
    public IEnumerable<string> Keys => [ImportColumns.Key(Name), .. Aliases.Select(ImportColumns.Key)];
}

/// <summary>A row's problem, named by the spreadsheet's own row number and the file's own column header.</summary>
public sealed class RowErrorException(string column, string message) : Exception(message)
{
    /// <summary>The header as the file writes it; empty when the problem is the row's, not one cell's.</summary>
    public string Column { get; } = column;
}

/// <summary>
/// Finds the columns a kind of file needs by header, in any case and order ("Start date" is
/// start_date), and reads cells as the decisions need them, refusing in the school's words.
/// </summary>
public sealed class ImportColumns
{
    readonly Dictionary<string, int> index = new(StringComparer.Ordinal);
    readonly IReadOnlyList<string> headers;

    ImportColumns(IReadOnlyList<string> headers) => this.headers = headers;

    /// <summary>"Start date", "start_date" and "START-DATE" are one header.</summary>
    public static string Key(string header) => new([.. header.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);

    /// <summary>The columns found, and a message for each required one missing (or given twice).</summary>
    public static (ImportColumns Columns, List<string> Problems) Find(IReadOnlyList<string> headers, IReadOnlyList<ImportColumn> columns)
    {
        var found = new ImportColumns(headers);
        var problems = new List<string>();
        foreach (var column in columns)
        {
            var keys = column.Keys.ToHashSet(StringComparer.Ordinal);
            var at = headers.Select((h, i) => (Key: Key(h), i)).Where(h => keys.Contains(h.Key)).Select(h => h.i).ToList();
            if (at.Count > 1)
            {
                problems.Add($"the column {column.Name} is given twice (\"{headers[at[0]]}\" and \"{headers[at[1]]}\")");
            }
            else if (at.Count == 1)
            {
                found.index[column.Name] = at[0];
            }
            else if (column.Required)
            {
                problems.Add($"the column {column.Name} is missing; the columns are {string.Join(", ", columns.Select(c => c.Required ? c.Name : c.Name + " (optional)"))} in any order");
            }
        }
        return (found, problems);
    }

    public bool Has(string column) => index.ContainsKey(column);

    /// <summary>The file's own header for the column.</summary>
    public string Header(string column) => index.TryGetValue(column, out var i) ? headers[i] : column;

    public ImportCell Cell(ImportRow row, string column) => index.TryGetValue(column, out var i) ? row[i] : new ImportCell("");

    /// <summary>Required text, trimmed, at most <paramref name="max"/> characters.</summary>
    public string Text(ImportRow row, string column, int max, string what)
    {
        var text = Cell(row, column).Text.Trim();
        if (text.Length == 0)
        {
            throw new RowErrorException(Header(column), $"expected {what}, and it is empty");
        }
        return text.Length <= max ? text : throw new RowErrorException(Header(column), $"at most {max} characters ({text.Length} given)");
    }

    public string? OptionalText(ImportRow row, string column, int max, string what) =>
        Cell(row, column).IsBlank ? null : Text(row, column, max, what);

    public string Email(ImportRow row, string column)
    {
        var email = Text(row, column, 254, "an email address such as a.teacher@school.sch.uk");
        return SignIn.SignInEmails.IsValid(email)
            ? SignIn.SignInEmails.Normalise(email)
            : throw new RowErrorException(Header(column), $"expected an email address such as a.teacher@school.sch.uk, not \"{email}\"");
    }

    public const string DateForm = "expected a date like 2024-09-01 or 01/09/2024";

    /// <summary>A spreadsheet's date cell, or text as UK schools write dates: ISO (2024-09-01) or day first (01/09/2024).</summary>
    public DateOnly Date(ImportRow row, string column)
    {
        var cell = Cell(row, column);
        if (cell.Date is { } typed)
        {
            return DateOnly.FromDateTime(typed);
        }
        var text = cell.Text.Trim();
        return ParseDate(text) ?? throw new RowErrorException(Header(column), text.Length == 0 ? $"{DateForm}, and it is empty" : $"{DateForm}, not \"{text}\"");
    }

    /// <summary>
    /// ISO or day/month/year with a four-digit year. Two-digit years and month-first dates
    /// (09/13/2024) are refused rather than guessed: a wrong start date moves every deadline.
    /// </summary>
    public static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text, ["yyyy-MM-dd", "dd/MM/yyyy", "d/M/yyyy", "dd-MM-yyyy", "dd.MM.yyyy"], CultureInfo.InvariantCulture,
            DateTimeStyles.None, out var date)
            ? date
            : null;

    static readonly Dictionary<string, Role> RoleWords = BuildRoleWords();

    static Dictionary<string, Role> BuildRoleWords()
    {
        var words = Enum.GetValues<Role>().ToDictionary(r => Key(r.ToString()), r => r, StringComparer.Ordinal);
        words[Key("head")] = Role.Headteacher;
        words[Key("head teacher")] = Role.Headteacher;
        words[Key("designated safeguarding lead")] = Role.Dsl;
        words[Key("senior leadership team")] = Role.Slt;
        words[Key("senior leader")] = Role.Slt;
        words[Key("office staff")] = Role.Office;
        words[Key("chair")] = Role.ChairOfGovernors;
        words[Key("support")] = Role.SupportStaff;
        words[Key("supply teacher")] = Role.Supply;
        words[Key("trust leader")] = Role.TrustLeader;
        return words;
    }

    /// <summary>Roles in plain words separated by ';' ("Teacher; Chair of Governors").</summary>
    public IReadOnlyList<Role> Roles(ImportRow row, string column)
    {
        var text = Text(row, column, 500, "one or more roles separated by ; (such as Teacher; Governor)");
        var roles = new List<Role>();
        foreach (var word in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!RoleWords.TryGetValue(Key(word), out var role))
            {
                throw new RowErrorException(Header(column), $"\"{word}\" is not a role; the roles are {string.Join(", ", Enum.GetValues<Role>().Select(RoleWord))}");
            }
            if (!roles.Contains(role))
            {
                roles.Add(role);
            }
        }
        return roles.Count > 0 ? roles : throw new RowErrorException(Header(column), "expected one or more roles separated by ;");
    }

    /// <summary>A role as a school writes it: "Chair of Governors", "Support staff", "DSL".</summary>
    public static string RoleWord(Role role) => role switch
    {
        Role.Dsl => "DSL",
        Role.Slt => "SLT",
        Role.ChairOfGovernors => "Chair of Governors",
        _ => System.Text.RegularExpressions.Regex.Replace(role.ToString(), "(?<=[a-z])([A-Z])", m => " " + m.Value.ToLowerInvariant()),
    };

    /// <summary>One of a few choices in plain words; <paramref name="choices"/> maps each header-style key to its value.</summary>
    public T Choice<T>(ImportRow row, string column, IReadOnlyDictionary<string, T> choices, string expected)
    {
        var text = Text(row, column, 100, expected);
        return choices.TryGetValue(Key(text), out var value) ? value : throw new RowErrorException(Header(column), $"{expected}, not \"{text}\"");
    }
}
