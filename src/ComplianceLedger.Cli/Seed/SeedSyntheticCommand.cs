using System.CommandLine;
using ComplianceLedger.Api.Demo;
using Spectre.Console;

namespace ComplianceLedger.Cli.Seed;

/// <summary><c>ledger seed-synthetic --schools N --events N</c>: a large synthetic trust for benchmarks.</summary>
internal static class SeedSyntheticCommand
{
    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.AppOption();
        var schools = new Option<int>("--schools") { Description = "How many schools.", DefaultValueFactory = _ => 10 };
        var events = new Option<long>("--events") { Description = "How many events in all, shared between the schools.", DefaultValueFactory = _ => 100_000 };
        var trust = new Option<string>("--trust") { Description = "The trust id the schools belong to.", DefaultValueFactory = _ => "synthetic" };
        var command = new Command("seed-synthetic", "Bulk-import a large synthetic trust (for benchmarks) and build its read models.")
        {
            connection, schools, events, trust,
        };
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(connection), parsed.GetValue(schools), parsed.GetValue(events),
            parsed.GetValue(trust)!, ct));
        return command;
    }

    static async Task<int> RunAsync(CliContext context, string? connectionOption, int schools, long events, string trust, CancellationToken ct)
    {
        if (schools is < 1 or > 99_999 || events < schools)
        {
            throw new CliException("--schools is 1 to 99999 and --events at least one per school.");
        }
        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Application, ct);
        await using var app = LedgerServicesForCli.Build(database.ConnectionString);
        var synthetic = app.Get<SyntheticTrust>();
        using var key = SeedDemoCommand.CheckpointKey(context, database);
        context.Out.Line($"Seeding {schools} synthetic schools, about {events} events, into {database.Describe()}");
        long written = 0;
        if (context.Out.Profile.Capabilities.Interactive)
        {
            await context.Out.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask("events", maxValue: events);
                written = await synthetic.SeedAsync(schools, events, trust, n => task.Value = Math.Min(n, events), checkpointKey: key, ct: ct);
                task.Value = task.MaxValue;
            });
        }
        else
        {
            written = await synthetic.SeedAsync(schools, events, trust, n => context.Out.Line($"  {n} events"), checkpointKey: key, ct: ct);
        }
        context.Out.Line($"Done: {written} events in {schools} schools of trust {trust}.", "green");
        return ExitCodes.Success;
    }
}
