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
        if (await LatestTreeHeadAsync(dataSource, tenant, ct) is not { } latest)
        {
            throw new CliException(
                $"School URN {tenant} has no signed tree head yet. The app signs one within 15 minutes of a change; " +
                $"a school's office can ask for one at once (POST /api/schools/{tenant}/checkpoints).");
        }
        var (head, schoolName, eventsSince) = latest;
        foreach (var line in head.ToDigest(schoolName).TrimEnd('\n').Split('\n'))
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

    /// <summary>The latest format 2 checkpoint, the school's name when the read models know it, and how many events came after.</summary>
    public static async Task<(TreeHead Head, string? SchoolName, long EventsSince)?> LatestTreeHeadAsync(NpgsqlDataSource dataSource, string tenant, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.tenant, c.position, c.head_hash, c.issued_at, c.key_id, c.signature, c.tree_root,
                   (SELECT h.position FROM ledger.chain_heads h WHERE h.tenant = c.tenant),
                   CASE WHEN to_regclass('rm.schools') IS NOT NULL
                        THEN (xpath('/row/name/text()', query_to_xml(format('SELECT name FROM rm.schools WHERE tenant = %L', c.tenant), false, false, '')))[1]::text
                   END
              FROM ledger.checkpoints c
             WHERE c.tenant = $1 AND c.tree_root IS NOT NULL
             ORDER BY c.position DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        var checkpoint = CheckpointIssuer.ReadCheckpoint(reader);
        var head = reader.IsDBNull(7) ? checkpoint.Position : reader.GetInt64(7);
        return (checkpoint.TreeHead!, reader.IsDBNull(8) ? null : reader.GetString(8), head - checkpoint.Position);
    }
}
