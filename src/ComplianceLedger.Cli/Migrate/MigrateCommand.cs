using System.CommandLine;
using ComplianceLedger.EventStore.Migrations;
using Npgsql;

namespace ComplianceLedger.Cli.Migrate;

/// <summary><c>ledger migrate</c>: applies the numbered schema scripts that have not run yet.</summary>
internal static class MigrateCommand
{
    public const string AppPasswordVariable = "Ledger__AppRolePassword";

    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.Option(
            $"Administrative connection string (a superuser or a member of ledger_owner). " +
            $"Default: {DatabaseConnection.LedgerAdminVariable}, then {DatabaseConnection.LedgerVariable}, then the development cluster.");
        var appPassword = new Option<string?>("--app-password")
        {
            Description = $"Sets the login password of the ledger_app role. Default: {AppPasswordVariable} (prefer it: arguments show in the process list).",
            HelpName = "password",
        };
        var command = new Command("migrate", "Create or update the ledger schema; safe to run again.") { connection, appPassword };
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(connection), parsed.GetValue(appPassword), ct));
        return command;
    }

    static async Task<int> RunAsync(CliContext context, string? connectionOption, string? appPassword, CancellationToken ct)
    {
        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Administration, ct);
        var password = string.IsNullOrEmpty(appPassword) ? context.Variable(AppPasswordVariable) : appPassword;
        context.Out.Line($"Migrating {database.Describe()}");

        IReadOnlyList<string> applied;
        try
        {
            applied = await LedgerMigrator.MigrateAsync(database.ConnectionString, password, ComplianceLedger.Projections.ProjectionSchema.Scripts, ct);
        }
        catch (InvalidOperationException e)
        {
            throw new CliException($"Migration refused: {e.Message}", ExitCodes.ProblemsFound);
        }
        catch (PostgresException e) when (!DatabaseConnection.IsConnectionFailure(e))
        {
            throw new CliException($"Migration failed and was rolled back: {e.MessageText} ({e.SqlState}).", ExitCodes.ProblemsFound);
        }

        if (applied.Count == 0)
        {
            context.Out.Line("The schema is up to date; nothing to apply.", "green");
        }
        else
        {
            foreach (var script in applied)
            {
                context.Out.Line(("applied ", null), (script, "green"));
            }
            context.Out.Line($"{ConsoleLines.Count(applied.Count, "script")} applied.");
        }
        return ExitCodes.Success;
    }
}
