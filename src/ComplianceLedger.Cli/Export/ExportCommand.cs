using System.CommandLine;
using System.Globalization;
using ComplianceLedger.Api.EvidencePacks;
using ComplianceLedger.Cli.Seed;
using ComplianceLedger.Cli.Verify;
using ComplianceLedger.EventStore;
using Spectre.Console;

namespace ComplianceLedger.Cli.Export;

/// <summary>
/// <c>ledger export --tenant URN (--from D --to D | --as-of D) --out FILE</c>: a school's evidence
/// pack for a period, as the governor's and headteacher's page builds it, signed with the
/// checkpoint key. <c>ledger verify-pack FILE</c> checks it.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.Option(
            $"Connection string; the application role suffices. Default: {DatabaseConnection.LedgerVariable}, then the development cluster.");
        var tenant = new Option<string>("--tenant") { Description = "The school's URN.", HelpName = "urn", Required = true };
        var from = new Option<string>("--from") { Description = "The period's first day, e.g. 2026-09-01.", HelpName = "yyyy-mm-dd" };
        var to = new Option<string>("--to") { Description = "The period's last day, e.g. 2027-08-31.", HelpName = "yyyy-mm-dd" };
        var asOf = new Option<string>("--as-of") { Description = "Instead of a period: everything recorded up to and including this day.", HelpName = "yyyy-mm-dd" };
        var output = new Option<string>("--out") { Description = "The zip to write.", HelpName = "file.zip", Required = true };
        var command = new Command("export", "Write a school's evidence pack (report, registers, events with proofs, signed tree head, verify.html) to a zip.")
        {
            connection, tenant, from, to, asOf, output,
        };
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(connection), parsed.GetValue(tenant)!,
            parsed.GetValue(from), parsed.GetValue(to), parsed.GetValue(asOf), parsed.GetValue(output)!, ct));
        return command;
    }

    static async Task<int> RunAsync(
        CliContext context, string? connectionOption, string tenant, string? from, string? to, string? asOf, string output, CancellationToken ct)
    {
        var (period, errors) = PackPeriodInput.Parse(from, to, asOf, SchoolDay.Today(TimeProvider.System));
        if (period is null)
        {
            throw new CliException(string.Join(Environment.NewLine, errors.Select(e => $"--{Option(e.Field)}: {e.Message}")));
        }
        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Application, ct);
        using var key = SeedDemoCommand.CheckpointKey(context, database);
        await using var app = LedgerServicesForCli.Build(database.ConnectionString, new Dictionary<string, string?>
        {
            ["Ledger:Signing:PrivateKeyPem"] = key.PrivateKeyPem(),
        });
        var builder = app.Get<EvidencePackBuilder>();
        if (await builder.SchoolNameAsync(tenant, ct) is null)
        {
            throw new CliException($"--tenant: there is no school with URN {tenant} in {database.Describe()}.");
        }
        var order = new PackOrder(tenant, period, "system:cli", "the ledger command line");
        var temporary = output + ".part";
        try
        {
            await using (var file = File.Create(temporary))
            {
                if (VerificationRun.UsesProgressBars(context.Out))
                {
                    await context.Out.Progress()
                        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                        .StartAsync(async bars =>
                        {
                            var task = bars.AddTask("Building the evidence pack", maxValue: 100);
                            await builder.WriteAsync(file, order, new InOrderProgress<PackProgress>(p =>
                            {
                                task.Description = p.Step;
                                task.Value = p.Percent;
                            }), ct);
                        });
                }
                else
                {
                    var last = "";
                    await builder.WriteAsync(file, order, new InOrderProgress<PackProgress>(p =>
                    {
                        var step = p.Step.Split(':')[0];
                        if (step != last)
                        {
                            last = step;
                            context.Out.Line(string.Create(CultureInfo.InvariantCulture, $"  {p.Percent,3}% {p.Step}"));
                        }
                    }), ct);
                }
            }
            File.Move(temporary, output, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        context.Out.Line($"Wrote {output}: school URN {tenant}, {period.Describe()}. Check it with: ledger verify-pack {output}", "green");
        return ExitCodes.Success;
    }

    static string Option(string field) => field == "asOf" ? "as-of" : field;
}
