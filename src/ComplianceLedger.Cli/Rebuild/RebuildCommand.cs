using System.CommandLine;
using System.Globalization;
using ComplianceLedger.Cli.Seed;
using ComplianceLedger.EventStore.Projections;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace ComplianceLedger.Cli.Rebuild;

/// <summary>
/// <c>ledger rebuild [projection] [--tenant URN]</c>: replays the ledger into shadow tables and
/// swaps the rebuilt rows in, while the dashboards go on serving the old ones. Exit 0 when done,
/// 2 for an unknown projection or tenant.
/// </summary>
internal static class RebuildCommand
{
    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.AppOption();
        var projection = new Argument<string?>("projection")
        {
            Description = "The read model to rebuild (facts, compliance, exceptions, official-accounts); all of them when left out.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var tenant = new Option<string?>("--tenant")
        {
            Description = "Rebuild only this tenant's rows (the school's URN).",
            HelpName = "urn",
        };
        var command = new Command("rebuild", "Rebuild read models from the ledger; readers keep the old rows until the swap.")
        {
            connection, projection, tenant,
        };
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(connection), parsed.GetValue(projection), parsed.GetValue(tenant), ct));
        return command;
    }

    static async Task<int> RunAsync(CliContext context, string? connectionOption, string? name, string? tenant, CancellationToken ct)
    {
        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Application, ct);
        await using var app = LedgerServicesForCli.Build(database.ConnectionString);
        var projections = app.Services.GetServices<IProjection>().ToList();
        string[] chosen = name is null ? [] : [name];
        try
        {
            ProjectionRebuild.Choose(projections, chosen);
        }
        catch (UnknownProjectionException e)
        {
            throw new CliException(e.Message);
        }

        var what = name is null ? "every read model" : $"the {name} read model";
        context.Out.Line($"Rebuilding {what} for {(tenant is null ? "every tenant" : $"tenant {tenant}")} in {database.Describe()}");
        var dataSource = app.Get<Npgsql.NpgsqlDataSource>();
        RebuildResult result;
        try
        {
            if (context.Out.Profile.Capabilities.Interactive)
            {
                result = await context.Out.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask("replaying", maxValue: 1);
                        var done = await ProjectionRebuild.RunAsync(dataSource, projections, chosen, tenant, p =>
                        {
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = Math.Min(p.Replayed, task.MaxValue);
                            task.Description = p.Phase == RebuildPhase.Replaying ? "replaying" : "swapping in";
                        }, ct);
                        task.Value = task.MaxValue;
                        return done;
                    });
            }
            else
            {
                result = await ProjectionRebuild.RunAsync(dataSource, projections, chosen, tenant, p =>
                {
                    if (p.Phase == RebuildPhase.Swapping)
                    {
                        context.Out.Line($"  replayed {ConsoleLines.Count(p.Replayed, "event")}; swapping in");
                    }
                }, ct);
            }
        }
        catch (UnknownTenantException e)
        {
            throw new CliException(e.Message);
        }
        context.Out.Line(string.Create(CultureInfo.InvariantCulture,
            $"Done: {ConsoleLines.Count(result.Events, "event")} of {ConsoleLines.Count(result.Tenants, "tenant")} replayed in {result.Replay.TotalSeconds:0.0} s " +
            $"({result.CaughtUp} committed meanwhile); swapped in {string.Join(", ", result.Swapped)} in {result.Swap.TotalSeconds:0.0} s."), "green");
        return ExitCodes.Success;
    }
}
