using System.CommandLine;
using System.Globalization;
using ComplianceLedger.EventStore.Checkpoints;
using Npgsql;

namespace ComplianceLedger.Cli.Verify;

/// <summary>
/// <c>ledger digest --tenant URN</c>: the governors' digest of the school's latest signed tree head,
/// for the clerk to paste into the board minutes. Any later <c>ledger verify --since-digest</c>
/// proves the ledger only grew from it.
/// </summary>
internal static class DigestCommand
{
    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.Option(
            $"Connection string; the application role suffices. Default: {DatabaseConnection.LedgerVariable}, then the development cluster.");
        var tenant = new Option<string>("--tenant")
        {
            Description = "The school's URN.",
            HelpName = "urn",
            Required = true,
        };
        var command = new Command("digest", "Print the governors' digest of a school's latest signed tree head.") { connection, tenant };
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(connection), parsed.GetValue(tenant)!, ct));
        return command;
    }

    static async Task<int> RunAsync(CliContext context, string? connectionOption, string tenant, CancellationToken ct)
    {
        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Application, ct);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        if (await CheckpointIssuer.LatestTreeHeadAsync(dataSource, tenant, ct) is not { } latest)
        {
            throw new CliException(
                $"School URN {tenant} has no signed tree head yet. The app signs one within 15 minutes of a change; " +
                $"a school's office can ask for one at once (POST /api/schools/{tenant}/checkpoints).");
        }
        var (head, eventsSince) = latest;
        foreach (var line in head.ToDigest(await SchoolNameAsync(dataSource, tenant, ct)).TrimEnd('\n').Split('\n'))
        {
            context.Out.Line(line);
        }
        if (eventsSince > 0)
        {
            context.Error.Warning(string.Create(CultureInfo.InvariantCulture,
                $"{ConsoleLines.Count(eventsSince, "event")} were recorded after this tree head; the next one signed will cover them."));
        }
        return ExitCodes.Success;
    }

    /// <summary>The school's name when the read models know it (a ledger without them, e.g. restored alone, has none).</summary>
    static async Task<string?> SchoolNameAsync(NpgsqlDataSource dataSource, string tenant, CancellationToken ct)
    {
        await using var exists = dataSource.CreateCommand("SELECT to_regclass('rm.schools') IS NOT NULL");
        if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
        {
            return null;
        }
        await using var command = dataSource.CreateCommand("SELECT name FROM rm.schools WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        return await command.ExecuteScalarAsync(ct) as string;
    }
}
