using System.CommandLine;
using ComplianceLedger.Api.Import;
using ComplianceLedger.Cli.Seed;
using ComplianceLedger.Cli.Verify;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace ComplianceLedger.Cli.Import;

/// <summary>
/// <c>ledger import &lt;staff|acknowledgements|declarations|accounts&gt; --tenant URN FILE [--preview]</c>:
/// what a school already has, from CSV or XLSX, through the app's own decisions. Each row's outcome
/// is shown first; a file with any error writes nothing.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.AppOption();
        var kind = new Argument<string>("kind")
        {
            Description = "What the file holds: staff, acknowledgements, declarations or accounts.",
        };
        kind.AcceptOnlyFromAmong("staff", "acknowledgements", "declarations", "accounts");
        var file = new Argument<FileInfo>("file") { Description = "The school's spreadsheet: .csv, or .xlsx (its first worksheet); row 1 holds the headers." };
        var tenant = new Option<string>("--tenant") { Description = "The school's URN.", HelpName = "urn", Required = true };
        var preview = new Option<bool>("--preview") { Description = "Show each row's outcome and write nothing." };
        var command = new Command("import", "Import a school's staff list, past paper acknowledgements, or its registers of declared relationships or official accounts.")
        {
            kind, file, tenant, preview, connection,
        };
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(connection), Enum.Parse<ImportKind>(parsed.GetValue(kind)!, ignoreCase: true),
            parsed.GetValue(file)!, parsed.GetValue(tenant)!, parsed.GetValue(preview), ct));
        return command;
    }

    static async Task<int> RunAsync(
        CliContext context, string? connectionOption, ImportKind kind, FileInfo file, string tenant, bool previewOnly, CancellationToken ct)
    {
        if (!file.Exists)
        {
            throw new CliException($"FILE: there is no file {file.FullName}.");
        }
        ImportTable table;
        try
        {
            table = ImportTable.Read(file.FullName);
        }
        catch (ImportFileException e)
        {
            throw new CliException(e.Message, ExitCodes.ProblemsFound);
        }
        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Application, ct);
        await using var app = LedgerServicesForCli.Build(database.ConnectionString, EmailIndexKey(context, database));
        var import = ActivatorUtilities.CreateInstance<SchoolImport>(app.Services);
        import.SchedulesReminders = false;
        ImportPlan plan;
        try
        {
            plan = await import.PlanAsync(kind, tenant, table, ct);
        }
        catch (ImportFileException e)
        {
            throw new CliException($"--tenant: {e.Message}", ExitCodes.ProblemsFound);
        }
        var p = plan.Preview;
        context.Out.Line($"{table.FileName} (SHA-256 {table.Sha256}): {Rows(table.Rows.Count)} of {kind.ToString().ToLowerInvariant()} for school URN {tenant} in {database.Describe()}");
        foreach (var row in p.Rows)
        {
            if (row.Kind == RowOutcomeKind.Error)
            {
                context.Out.Line(("error: ", "red bold"), (row.ToString()["error: ".Length..], null));
            }
            else
            {
                context.Out.Line(row.ToString(), row.Kind == RowOutcomeKind.Skipped ? "grey" : null);
            }
        }
        var summary = $"{Rows(p.ToWrite)} to write, {Rows(p.Skipped)} already there, {ConsoleLines.Count(p.Errors, "error")}.";
        if (!p.CanImport)
        {
            context.Out.Line(summary);
            context.Out.Line("Nothing was written: a file is imported only when every row is fine. Put the rows above right and import the file again.", "red");
            return ExitCodes.ProblemsFound;
        }
        if (previewOnly)
        {
            context.Out.Line(summary);
            context.Out.Line("Preview only: nothing was written. Run the same command without --preview to import.", "green");
            return ExitCodes.Success;
        }
        context.Out.Line(summary);
        using var key = SeedDemoCommand.CheckpointKey(context, database);
        ImportOutcome outcome;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            outcome = await WriteAsync(context, import, plan, key, ct);
        }
        catch (ImportRowRefusedException e)
        {
            throw new CliException(e.Message, ExitCodes.ProblemsFound);
        }
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        context.Out.Line(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Imported {Rows(outcome.RowsWritten)} ({ConsoleLines.Count(outcome.EventsWritten, "event")}) in {seconds:0.0} s, each event correlated to {p.CorrelationId}."), "green");
        if (kind == ImportKind.Staff && outcome.RowsWritten > 0)
        {
            context.Out.Line(outcome.NewStarters == 0
                ? "No one imported has a current obligation to acknowledge: no reminders (history is not emailed)."
                : $"{ConsoleLines.Count(outcome.NewStarters, "new starter")} with a current obligation: the command line schedules no reminders (the app's message runtime is not running here); the office page's import (/schools/{tenant}/import) asks them as an enrolment does.", "yellow");
        }
        if (outcome.Checkpoint is { } checkpoint)
        {
            context.Out.Line($"Signed the school's tree head at position {checkpoint.Position} (key {checkpoint.KeyId}): receipts and packs cover the import.");
        }
        return ExitCodes.Success;
    }

    static async Task<ImportOutcome> WriteAsync(CliContext context, SchoolImport import, ImportPlan plan, EventStore.Checkpoints.SigningKey key, CancellationToken ct)
    {
        if (VerificationRun.UsesProgressBars(context.Out))
        {
            ImportOutcome? outcome = null;
            await context.Out.Progress()
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async bars =>
                {
                    var task = bars.AddTask("Importing rows", maxValue: Math.Max(1, plan.Preview.ToWrite));
                    outcome = await import.WriteAsync(plan, key, (done, _) => task.Value = done, ct);
                    task.Value = task.MaxValue;
                });
            return outcome!;
        }
        // Redirected: a plain line every tenth of the way, not a bar's escape codes.
        var step = Math.Max(1, plan.Preview.ToWrite / 10);
        return await import.WriteAsync(plan, key, (done, total) =>
        {
            if (done > 0 && (done % step == 0 || done == total))
            {
                context.Out.Line($"  {done} of {Rows(total)} written");
            }
        }, ct);
    }

    static string Rows(int n) => ConsoleLines.Count(n, "row");

    /// <summary>
    /// The key of the sign-in email index, which staff rows' addresses are indexed with and the
    /// other files' people are found by: the app's, else the development one for the development
    /// cluster. Never one made for the run: the addresses would then find no one.
    /// </summary>
    static Dictionary<string, string?> EmailIndexKey(CliContext context, DatabaseConnection database) =>
        SeedDemoCommand.ConfiguredEmailIndexKey(context, database)
            ?? throw new CliException("The sign-in email index key is not configured (SignIn__EmailIndexKeyFile or SignIn__EmailIndexKey): the app's key is needed to find people by email.");
}
