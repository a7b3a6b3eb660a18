using System.CommandLine;
using ComplianceLedger.Cli.Migrate;
using ComplianceLedger.Cli.Verify;
using Npgsql;
using Spectre.Console;

namespace ComplianceLedger.Cli;

/// <summary>The <c>ledger</c> command line, callable in-process so tests can capture its output.</summary>
public static class LedgerCli
{
    /// <param name="console">Where results and progress go.</param>
    /// <param name="environment">The variables to read instead of the process environment (for tests).</param>
    /// <param name="errorConsole">Where warnings and errors go; <paramref name="console"/> when null.</param>
    /// <returns>One of <see cref="ExitCodes"/>.</returns>
    public static async Task<int> RunAsync(
        string[] args, IAnsiConsole console, IDictionary<string, string?>? environment = null,
        IAnsiConsole? errorConsole = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        var context = new CliContext(console, errorConsole ?? console, environment ?? CliContext.ProcessEnvironment());
        var root = new RootCommand("ComplianceLedger: the tamper-evident compliance ledger's administration tool.")
        {
            MigrateCommand.Create(context),
            VerifyCommand.Create(context),
            DigestCommand.Create(context),
            VerifyReceiptCommand.Create(context),
            VerifyPackCommand.Create(context),
            Export.ExportCommand.Create(context),
            Seed.SeedDemoCommand.Create(context),
            Schools.SchoolCommand.Create(context),
            Seed.SeedSyntheticCommand.Create(context),
            Import.ImportCommand.Create(context),
            Projections.ResumeCommand.Create(context),
            Rebuild.RebuildCommand.Create(context),
            Local.LocalStopCommand.Create(context),
            Backup.BackupCommand.Create(context), Backup.RestoreCommand.Create(context),
        };

        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = console.Profile.Out.Writer,
            Error = context.Error.Profile.Out.Writer,
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            var exitCode = await parsed.InvokeAsync(configuration, ct);
            return parsed.Errors.Count > 0 ? ExitCodes.UsageError : exitCode;
        }
        catch (CliException e)
        {
            context.Error.Failure(e.Message);
            return e.ExitCode;
        }
        catch (NpgsqlException e)
        {
            context.Error.Failure(Describe(e));
            return ExitCodes.UsageError;
        }
    }

    /// <summary>A console for a real terminal: styled and live when attached to one, plain when redirected.</summary>
    public static IAnsiConsole TerminalConsole(TextWriter writer, bool redirected) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
        ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
    });

    static string Describe(NpgsqlException e) => e switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName } p =>
            $"The ledger schema is missing ({p.MessageText}): run `ledger migrate` first.",
        PostgresException p when DatabaseConnection.IsConnectionFailure(p) => $"Could not connect to the database: {p.MessageText} ({p.SqlState}).",
        PostgresException p => $"The database refused: {p.MessageText} ({p.SqlState}).",
        _ => $"Could not connect to the database: {e.Message}{(e.InnerException is { } inner ? " " + inner.Message : "")}",
    };
}
