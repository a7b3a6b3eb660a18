using System.CommandLine;
using ComplianceLedger.Api.Demo;
using ComplianceLedger.EventStore.Projections.Daemon;
using Spectre.Console;

namespace ComplianceLedger.Cli.Seed;

/// <summary><c>ledger seed-demo</c>: the demo trust (Brookfield Primary Academy and nine more schools), once.</summary>
internal static class SeedDemoCommand
{
    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.Option(
            $"Application connection string (role ledger_app). Default: {DatabaseConnection.LedgerVariable}, then the development cluster.");
        var command = new Command("seed-demo", "Write the demo trust of ten schools into an empty ledger (through the app's own decisions).") { connection };
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(connection), ct));
        return command;
    }

    static async Task<int> RunAsync(CliContext context, string? connectionOption, CancellationToken ct)
    {
        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Application, ct);
        await using var app = LedgerServicesForCli.Build(database.ConnectionString);
        var demo = app.Get<DemoSchool>();
        if (await demo.ExistsAsync(ct))
        {
            context.Out.Line($"The demo school {DemoSchool.Urn} is already in {database.Describe()}; nothing to do.", "green");
            return ExitCodes.Success;
        }
        context.Out.Line($"Seeding the demo trust into {database.Describe()}");
        if (context.Out.Profile.Capabilities.Interactive)
        {
            await context.Out.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask("schools", maxValue: DemoSchool.TrustSchools.Length);
                await demo.SeedAsync(_ => task.Increment(1), ct);
                task.Value = task.MaxValue;
            });
        }
        else
        {
            await demo.SeedAsync(school => context.Out.Line($"  {school}"), ct);
        }
        // The dashboards' async read models, now rather than when the app next starts.
        await app.Get<ProjectionDaemon>().CatchUpOnceAsync(ct);
        context.Out.Line($"Done: {DemoSchool.TrustSchools.Length} schools; the demo school is URN {DemoSchool.Urn}.", "green");
        return ExitCodes.Success;
    }
}
