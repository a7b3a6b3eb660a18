using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using ComplianceLedger.Api.Import;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace ComplianceLedger.Tests.Import;

/// <summary><c>ledger import</c> on real CSV and XLSX files (Import/Files), against a real ledger.</summary>
public sealed class ImportTests(LedgerApp app, ITestOutputHelper output) : IClassFixture<LedgerApp>
{
    static string FilePath(string name, [CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Files", name);

    static string Sha256Of(string name) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(FilePath(name))));

    Dictionary<string, string?> Environment => new()
    {
        ["SignIn__EmailIndexKey"] = app.EmailIndexKey,
        ["Ledger__Signing__PrivateKeyPem"] = app.SigningKeyPem,
    };

    Task<LedgerRun> Import(string kind, string urn, string file, params string[] more) =>
        LedgerRun.RunAsync(Environment, ["import", kind, "--tenant", urn, FilePath(file), "--connection", app.AppConnectionString, .. more]);

    async Task<long> EventsByImportAsync(string urn) =>
        await ScalarAsync("SELECT count(*) FROM ledger.events WHERE tenant = $1 AND actor = 'system:ledger-import'", urn);

    async Task<long> ScalarAsync(string sql, string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    async Task<List<string>> ScalarsAsync(string sql, string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }

    [Fact]
    public async Task A_preview_shows_each_rows_outcome_by_the_spreadsheets_row_number_and_writes_nothing()
    {
        var school = await app.SchoolAsync("190001", Role.Headteacher);
        var before = await app.CountEventsAsync("190001");
        (await Import("staff", school.Urn, "staff.csv", "--preview")).ShouldExitWith(0)
            .ShouldContain("row 2: will enrol Ana Smith (Teacher, from 2024-09-01)")
            .ShouldContain("row 3: will enrol Ben Okoro (Support staff, from 2023-09-01)")
            // Row 4 is blank; the next person is row 5, as the spreadsheet shows it.
            .ShouldContain("row 5: will enrol Chloe Patel (Chair of Governors; Governor, from 2020-01-15)")
            .ShouldContain("row 6: will enrol Dev Shah, Jr (Teacher; DSL, from 2019-04-23)")
            .ShouldContain("4 rows to write, 0 rows already there, 0 errors.")
            .ShouldContain("Preview only: nothing was written.");
        Assert.Equal(before, await app.CountEventsAsync("190001"));
    }

    [Fact]
    public async Task Errors_name_the_row_and_the_files_own_column_and_nothing_is_written()
    {
        var school = await app.SchoolAsync("190002", Role.Headteacher);
        var before = await app.CountEventsAsync("190002");
        (await Import("staff", school.Urn, "staff-errors.csv")).ShouldExitWith(1)
            .ShouldContain("row 2: will enrol Ana Smith")
            .ShouldContain("error: row 3, column roles: \"Caretaker\" is not a role; the roles are Headteacher, DSL, SLT")
            .ShouldContain("error: row 4, column start_date: expected a date like 2024-09-01 or 01/09/2024, not \"09/13/2020\"")
            .ShouldContain("error: row 5, column email: ana.smith@test.sch.uk is also in row 2: one row per person")
            .ShouldContain("error: row 6, column start_date: expected a date like 2024-09-01 or 01/09/2024, not \"1/9/24\"")
            .ShouldContain("Nothing was written: a file is imported only when every row is fine.");
        Assert.Equal(before, await app.CountEventsAsync("190002"));

        (await Import("staff", school.Urn, "staff-missing-column.csv")).ShouldExitWith(1)
            .ShouldContain("error: row 1: the column start_date is missing; the columns are name, email, roles, start_date in any order");
        Assert.Equal(before, await app.CountEventsAsync("190002"));
    }

    [Fact]
    public async Task Csv_and_xlsx_of_the_same_list_give_the_same_outcomes_and_the_same_people()
    {
        var fromCsv = await app.SchoolAsync("190003", Role.Headteacher);
        var fromXlsx = await app.SchoolAsync("190004", Role.Headteacher);
        var csv = (await Import("staff", fromCsv.Urn, "staff.csv")).ShouldExitWith(0);
        var xlsx = (await Import("staff", fromXlsx.Urn, "staff.xlsx")).ShouldExitWith(0);
        static IEnumerable<string> Rows(LedgerRun run) => run.Output.Split('\n').Where(l => l.StartsWith("row ", StringComparison.Ordinal));
        Assert.Equal(4, Rows(csv).Count());
        Assert.Equal(Rows(csv), Rows(xlsx));

        Assert.Equal(await PeopleAsync(fromCsv.Urn), await PeopleAsync(fromXlsx.Urn));
        Assert.Equal(8, await EventsByImportAsync(fromXlsx.Urn));
    }

    /// <summary>The school's imported people as the read model holds them: roles and start date, in name order.</summary>
    async Task<string[]> PeopleAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand(
            "SELECT array_to_string(roles, ';') || ' ' || started_on::text FROM rm.people WHERE tenant = $1 AND person_id IN "
            + "(SELECT (data ->> 'personId')::uuid FROM ledger.events WHERE tenant = $1 AND actor = 'system:ledger-import') ORDER BY 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return [.. rows];
    }

    [Fact]
    public async Task The_same_file_twice_adds_nothing_and_every_imported_event_carries_the_files_hash()
    {
        var school = await app.SchoolAsync("190005", Role.Headteacher);
        (await Import("staff", school.Urn, "staff.csv")).ShouldExitWith(0)
            .ShouldContain("Imported 4 rows (8 events)")
            .ShouldContain("Signed the school's tree head");
        var events = await app.CountEventsAsync(school.Urn);
        Assert.Equal(8, await EventsByImportAsync(school.Urn));

        (await Import("staff", school.Urn, "staff.csv")).ShouldExitWith(0)
            .ShouldContain("row 2: Ana Smith: already imported from this file: skipped")
            .ShouldContain("0 rows to write, 4 rows already there, 0 errors.");
        Assert.Equal(events, await app.CountEventsAsync(school.Urn));

        // The same people in another file (the XLSX): already enrolled, by their email.
        (await Import("staff", school.Urn, "staff.xlsx")).ShouldExitWith(0)
            .ShouldContain("row 2: Ana Smith (ana.smith@test.sch.uk): already enrolled: skipped");
        Assert.Equal(events, await app.CountEventsAsync(school.Urn));

        var correlation = $"import:sha256:{Sha256Of("staff.csv")}";
        Assert.Equal(8, await ScalarAsync(
            $"SELECT count(*) FROM ledger.events WHERE tenant = $1 AND actor = 'system:ledger-import' AND correlation_id = '{correlation}'", school.Urn));
        // Names and addresses are sealed, as the API seals them.
        Assert.Equal(0, await ScalarAsync(
            "SELECT count(*) FROM ledger.events WHERE tenant = $1 AND actor = 'system:ledger-import' AND data::text LIKE '%smith%'", school.Urn));
        // The tree head signed after the import covers it.
        Assert.Equal(events, await ScalarAsync("SELECT max(position) FROM ledger.checkpoints WHERE tenant = $1", school.Urn));
    }

    [Fact]
    public async Task Past_paper_acknowledgements_import_after_the_staff_and_an_unknown_version_is_named()
    {
        var school = await app.SchoolAsync("190006", Role.Headteacher);
        await PublishAsync(school);
        (await Import("staff", school.Urn, "staff.csv")).ShouldExitWith(0);
        var before = await app.CountEventsAsync(school.Urn);
        (await Import("acknowledgements", school.Urn, "acknowledgements-unknown-version.csv")).ShouldExitWith(1)
            .ShouldContain("error: row 4, column version: social-media has no version 2; the current one is 1");
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));

        (await Import("acknowledgements", school.Urn, "acknowledgements.csv")).ShouldExitWith(0)
            .ShouldContain("row 2: will record ana.smith@test.sch.uk's paper acknowledgement of social-media version 1, signed 2026-09-02")
            .ShouldContain("Imported 2 rows (2 events)");
        Assert.Equal(2, await ScalarAsync(
            "SELECT count(*) FROM ledger.events WHERE tenant = $1 AND event_type = 'policy.acknowledged.v1' AND data ->> 'method' = 'paper'", school.Urn));
        (await Import("acknowledgements", school.Urn, "acknowledgements.csv")).ShouldExitWith(0).ShouldContain("2 rows already there");
    }

    [Fact]
    public async Task The_registers_of_declarations_and_official_accounts_import_through_their_decisions()
    {
        var school = await app.SchoolAsync("190007", Role.Headteacher);
        await PublishAsync(school);
        (await Import("staff", school.Urn, "staff.csv")).ShouldExitWith(0);
        (await Import("declarations", school.Urn, "declarations.csv")).ShouldExitWith(0)
            .ShouldContain("row 2: will declare ana.smith@test.sch.uk's relationship (pupil-family, on entry of pupil 2026-09-01) with dev.shah@test.sch.uk's advice")
            .ShouldContain("Imported 2 rows (3 events)");
        Assert.Equal(2, await ScalarAsync("SELECT count(*) FROM ledger.events WHERE tenant = $1 AND event_type = 'declaration.made.v1'", school.Urn));
        (await Import("accounts", school.Urn, "accounts.csv")).ShouldExitWith(0)
            .ShouldContain("row 2: will register @HistoryTST on X, owned by ana.smith@test.sch.uk")
            .ShouldContain("Imported 2 rows (2 events)");
        // The second account's personal address is recorded and flagged, as the API records it.
        Assert.Equal(1, await ScalarAsync(
            "SELECT count(*) FROM ledger.events WHERE tenant = $1 AND event_type = 'account.registered.v1' AND data::text LIKE '%personal-email%'", school.Urn));
        (await Import("accounts", school.Urn, "accounts.csv")).ShouldExitWith(0).ShouldContain("0 rows to write, 2 rows already there");
    }

    [Fact]
    public async Task A_5000_row_staff_file_imports_and_says_how_long_it_took()
    {
        var school = await app.SchoolAsync("190008", Role.Headteacher);
        var file = Path.Combine(Path.GetTempPath(), $"staff-5000-{Guid.NewGuid():N}.csv");
        await File.WriteAllBytesAsync(file, StaffFileGenerator.Csv(5000, "test.sch.uk"));
        try
        {
            var started = Stopwatch.GetTimestamp();
            var run = (await LedgerRun.RunAsync(Environment, ["import", "staff", "--tenant", school.Urn, file, "--connection", app.AppConnectionString]))
                .ShouldExitWith(0).ShouldContain("Imported 5000 rows (10000 events)").ShouldContain("5000 of 5000 rows written");
            var elapsed = Stopwatch.GetElapsedTime(started);
            output.WriteLine($"5,000-row staff import, preview and writing, through the CLI: {elapsed.TotalSeconds:0.0} s");
            output.WriteLine(run.Output.Split('\n').Last(l => l.StartsWith("Imported", StringComparison.Ordinal)));
            Assert.Equal(10000, await EventsByImportAsync(school.Urn));
            // One bulk append brought the inline read models up to date with it: the people and their sign-in addresses.
            const string Imported = "(SELECT (data ->> 'personId')::uuid FROM ledger.events WHERE tenant = $1 AND actor = 'system:ledger-import')";
            Assert.Equal(5000, await ScalarAsync($"SELECT count(*) FROM rm.people WHERE tenant = $1 AND person_id IN {Imported}", school.Urn));
            Assert.Equal(5000, await ScalarAsync($"SELECT count(*) FROM rm.sign_in_emails WHERE tenant = $1 AND person_id IN {Imported}", school.Urn));
            Assert.Equal(await app.CountEventsAsync(school.Urn), await ScalarAsync("SELECT max(position) FROM ledger.checkpoints WHERE tenant = $1", school.Urn));
            // The issue's bound, with room for a loaded machine (1.5 s measured at load 3.4).
            Assert.True(elapsed < TimeSpan.FromSeconds(10), $"{elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task On_a_terminal_the_import_shows_a_progress_bar_and_imports_the_workbook()
    {
        var school = await app.SchoolAsync("190009", Role.Headteacher);
        (await LedgerRun.RunAsync(Environment, ["import", "staff", "--tenant", school.Urn, FilePath("staff.xlsx"), "--connection", app.AppConnectionString],
            interactive: true)).ShouldExitWith(0).ShouldContain("Importing rows").ShouldContain("Imported 4 rows (8 events)");
        Assert.Equal(8, await EventsByImportAsync(school.Urn));
        Assert.Equal(8, await ScalarAsync(
            $"SELECT count(*) FROM ledger.events WHERE tenant = $1 AND correlation_id = 'import:sha256:{Sha256Of("staff.xlsx")}'", school.Urn));
    }

    /// <summary>Three people around today: the policy took effect on 2026-09-01 with 14 days to acknowledge.</summary>
    static (string File, DateOnly Today) StartersFile()
    {
        var today = ComplianceLedger.EventStore.SchoolDay.Of(DateTimeOffset.UtcNow);
        var file = Path.Combine(Path.GetTempPath(), $"staff-starters-{Guid.NewGuid():N}.csv");
        File.WriteAllText(file, $"""
            name,email,roles,start_date
            Old Hand,old.hand@test.sch.uk,Teacher,2019-09-02
            New Starter,new.starter@test.sch.uk,Teacher,{today.AddDays(-3):yyyy-MM-dd}
            Next Term,next.term@test.sch.uk,Support staff,{today.AddDays(30):dd/MM/yyyy}
            """);
        return (file, today);
    }

    /// <summary>
    /// The school's acknowledgement reminder rows (ack:&lt;person&gt;:&lt;policy&gt;): each person's start
    /// date and the day the reminder first spoke (a reminder due now fires at once and moves on), or is due.
    /// </summary>
    async Task<List<(DateOnly StartedOn, DateOnly DueOn)>> RemindersAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand("""
            SELECT p.started_on, COALESCE(r.last_fired_on, (r.due_at AT TIME ZONE 'Europe/London')::date) FROM ledger.reminders r
              JOIN rm.people p ON p.tenant = r.tenant AND r.key = 'ack:' || p.person_id || ':social-media'
             WHERE r.tenant = $1 ORDER BY 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        var reminders = new List<(DateOnly StartedOn, DateOnly DueOn)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            reminders.Add((reader.GetFieldValue<DateOnly>(0), reader.GetFieldValue<DateOnly>(1)));
        }
        return reminders;
    }

    [Fact]
    public async Task Imported_people_whose_obligation_is_current_are_asked_to_acknowledge_and_history_is_not()
    {
        var school = await app.SchoolAsync("190010", Role.Headteacher);
        await PublishAsync(school);
        var (file, today) = StartersFile();
        ImportOutcome outcome;
        try
        {
            // The app's import (the office page's), whose message runtime runs.
            var import = ActivatorUtilities.CreateInstance<SchoolImport>(app.Services);
            outcome = await import.ImportAsync(ImportKind.Staff, school.Urn, ImportTable.Read(file));
        }
        finally
        {
            File.Delete(file);
        }
        Assert.Equal((3, 2, 2), (outcome.RowsWritten, outcome.NewStarters, outcome.NewStartersAsked));
        // Due when their obligation starts (now for the starter of three days ago); none for the 2019 starter.
        Assert.Equal([(today.AddDays(-3), today), (today.AddDays(30), today.AddDays(30))], await RemindersAsync(school.Urn));
        // Each with its durable message, as an enrolment through the API schedules it (handled or waiting).
        var starters = await ScalarsAsync("SELECT person_id::text FROM rm.people WHERE tenant = $1 AND started_on > current_date - 10", school.Urn);
        Assert.Equal(2, starters.Count);
        foreach (var person in starters)
        {
            Assert.True(await ScalarAsync(
                "SELECT count(*) FROM wolverine.wolverine_incoming_envelopes WHERE message_type LIKE '%ReminderDue' AND position(convert_to($1, 'UTF8') IN body) > 0",
                $"ack:{person}:social-media") > 0, $"no reminder message for {person}");
        }
    }

    [Fact]
    public async Task The_command_line_says_which_new_starters_it_cannot_remind()
    {
        var school = await app.SchoolAsync("190011", Role.Headteacher);
        await PublishAsync(school);
        var (file, _) = StartersFile();
        try
        {
            (await LedgerRun.RunAsync(Environment, ["import", "staff", "--tenant", school.Urn, file, "--connection", app.AppConnectionString]))
                .ShouldExitWith(0).ShouldContain("Imported 3 rows (6 events)")
                .ShouldContain("2 new starters with a current obligation: the command line schedules no reminders");
        }
        finally
        {
            File.Delete(file);
        }
        Assert.Empty(await RemindersAsync(school.Urn));
    }

    static async Task PublishAsync(TestSchool school)
    {
        var head = await school.As(Role.Headteacher);
        var response = await head.PostAsync($"/api/schools/{school.Urn}/policies/social-media/versions",
            new StringContent(UseCases.PeopleAndPolicyContractTests.PublishBody(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
