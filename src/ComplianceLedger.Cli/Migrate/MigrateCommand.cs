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
        if (applied.Contains(CutOverScript))
        {
            await ReportCarryOverAsync(context, database.ConnectionString, ct);
        }
        return ExitCodes.Success;
    }

    const string CutOverScript = "042_cut_over_to_marten.sql";

    /// <summary>What the cut-over carried onto Marten's table, school by school: `ledger verify` shows the same heads.</summary>
    static async Task ReportCarryOverAsync(CliContext context, string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT tenant, events, head_hash FROM ledger.carry_overs ORDER BY tenant", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var schools = 0;
        while (await reader.ReadAsync(ct))
        {
            schools++;
            context.Out.Line(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"carried school {reader.GetString(0)} onto Marten's table: {ConsoleLines.Count(reader.GetInt64(1), "event")}, head {Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(2))}"));
        }
        context.Out.Line(schools == 0
            ? "No ledger to carry over: events are appended to Marten's table from now on."
            : $"{ConsoleLines.Count(schools, "school")} carried over, every position and hash as before.");
    }
}
