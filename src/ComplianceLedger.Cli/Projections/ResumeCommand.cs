using System.CommandLine;
using ComplianceLedger.EventStore.Projections.Daemon;
using Npgsql;

namespace ComplianceLedger.Cli.Projections;

/// <summary>
/// <c>ledger resume &lt;projection&gt; --tenant URN</c>: clears a poison-event pause once a fixed
/// release is running; the daemon wakes and retries from the event it stopped at.
/// </summary>
internal static class ResumeCommand
{
    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.AppOption();
        var projection = new Argument<string>("projection") { Description = "The paused projection, as /api/projections names it." };
        var tenant = new Option<string>("--tenant") { Description = "The school (URN) it is paused for.", Required = true, HelpName = "URN" };
        var command = new Command("resume", "Resume an async projection paused on a poison event for one school.") { projection, tenant, connection };
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(projection)!, parsed.GetValue(tenant)!, parsed.GetValue(connection), ct));
        return command;
    }

    static async Task<int> RunAsync(CliContext context, string projection, string tenant, string? connectionOption, CancellationToken ct)
    {
        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Application, ct);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        if (!await ProjectionProgress.ResumeAsync(dataSource, projection, tenant, ct))
        {
            throw new CliException($"{projection} is not paused for {tenant}; nothing to resume.", ExitCodes.UsageError);
        }
        context.Out.Line($"Resumed {projection} for {tenant}; the daemon retries from the event it stopped at.", "green");
        return ExitCodes.Success;
    }
}
