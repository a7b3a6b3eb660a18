using ComplianceLedger.Api.Import;
using ComplianceLedger.Api.People;

namespace ComplianceLedger.Tests.Import;

/// <summary>How cells are read, with no database: dates as UK spreadsheets write them, roles in words, headers in any form.</summary>
public sealed class ImportCellsTests
{
    static readonly ImportColumn[] Staff = [new("name"), new("roles"), new("start_date", true, "started on")];

    static (ImportColumns Columns, ImportRow Row) Row(params string[] cells)
    {
        var (columns, problems) = ImportColumns.Find(["Name", "ROLES", "Start date"], Staff);
        Assert.Empty(problems);
        return (columns, new ImportRow(2, [.. cells.Select(c => new ImportCell(c))]));
    }

    [Theory]
    [InlineData("2024-09-01", 2024, 9, 1)]
    [InlineData("01/09/2024", 2024, 9, 1)]
    [InlineData("1/9/2024", 2024, 9, 1)]
    [InlineData("13/01/2024", 2024, 1, 13)]
    public void Dates_are_iso_or_day_first(string text, int year, int month, int day) =>
        Assert.Equal(new DateOnly(year, month, day), ImportColumns.ParseDate(text));

    [Theory]
    [InlineData("09/13/2024")]
    [InlineData("1/9/24")]
    [InlineData("2024-13-01")]
    [InlineData("September 2024")]
    public void Month_first_two_digit_years_and_impossible_dates_are_refused_not_guessed(string text)
    {
        var (columns, row) = Row("Ana Smith", "Teacher", text);
        var error = Assert.Throws<RowErrorException>(() => columns.Date(row, "start_date"));
        Assert.Equal("Start date", error.Column);
        Assert.Equal($"expected a date like 2024-09-01 or 01/09/2024, not \"{text}\"", error.Message);
    }

    [Fact]
    public void A_workbooks_date_cell_is_its_date()
    {
        var (columns, _) = Row();
        var row = new ImportRow(2, [new("Ana"), new("Teacher"), new("2024-09-01", new DateTime(2024, 9, 1))]);
        Assert.Equal(new DateOnly(2024, 9, 1), columns.Date(row, "start_date"));
    }

    [Fact]
    public void Roles_are_read_in_plain_words_separated_by_semicolons()
    {
        var (columns, row) = Row("Ana Smith", " support staff ;Chair of Governors; DSL;teacher; Teacher", "2024-09-01");
        Assert.Equal([Role.SupportStaff, Role.ChairOfGovernors, Role.Dsl, Role.Teacher], columns.Roles(row, "roles"));
    }

    [Fact]
    public void An_unknown_role_is_named_with_the_roles_there_are()
    {
        var (columns, row) = Row("Ana Smith", "Teacher; Caretaker", "2024-09-01");
        var error = Assert.Throws<RowErrorException>(() => columns.Roles(row, "roles"));
        Assert.Equal("ROLES", error.Column);
        Assert.StartsWith("\"Caretaker\" is not a role; the roles are Headteacher, DSL, SLT, Office, Chair of Governors, Governor, Teacher, Support staff", error.Message);
    }

    [Fact]
    public void Headers_match_in_any_case_order_and_spelling_of_separators_and_a_missing_one_is_named()
    {
        Assert.Equal("startdate", ImportColumns.Key(" Start_Date "));
        var (_, problems) = ImportColumns.Find(["roles", "NAME"], Staff);
        Assert.Equal(["the column start_date is missing; the columns are name, roles, start_date in any order"], problems);
        var (_, twice) = ImportColumns.Find(["name", "roles", "start date", "Started on"], Staff);
        Assert.Equal(["the column start_date is given twice (\"start date\" and \"Started on\")"], twice);
    }
}
