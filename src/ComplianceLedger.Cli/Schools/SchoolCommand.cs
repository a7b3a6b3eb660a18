using System.CommandLine;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Cli.Seed;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;

namespace ComplianceLedger.Cli.Schools;

/// <summary>
/// <c>ledger school add</c>: a real school begins on the ledger without the demo. Registers it
/// and enrols its headteacher, who then signs in and carries on through the API.
/// </summary>
internal static class SchoolCommand
{
    const string Operator = "system:ledger-cli";

    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.AppOption();
        var urn = new Option<string>("--urn") { Description = "The school's six-digit Unique Reference Number (DfE).", Required = true };
        var name = new Option<string>("--name") { Description = "The school's name.", Required = true };
        var trust = new Option<string?>("--trust") { Description = "The id of the trust it belongs to (e.g. northvale), if any." };
        var trustName = new Option<string?>("--trust-name") { Description = "The trust's name (default: its id)." };
        var headName = new Option<string>("--headteacher-name") { Description = "The headteacher's full name.", Required = true };
        var headEmail = new Option<string>("--headteacher-email")
        {
            Description = "The headteacher's school email address; its domain becomes the school's email domain.",
            Required = true,
        };
        var add = new Command("add", "Register a school and enrol its headteacher, so they can sign in and enrol everyone else.")
        {
            connection, urn, name, trust, trustName, headName, headEmail,
        };
        add.SetAction((parsed, ct) => AddAsync(context, parsed.GetValue(connection), parsed.GetValue(urn), parsed.GetValue(name), parsed.GetValue(trust),
            parsed.GetValue(trustName), parsed.GetValue(headName), parsed.GetValue(headEmail), ct));
        return new Command("school", "Schools on the ledger.") { add };
    }

    static async Task<int> AddAsync(
        CliContext context, string? connectionOption, string? urn, string? name, string? trust, string? trustName, string? headName, string? headEmail,
        CancellationToken ct)
    {
        StartSchool.Command command;
        var now = TimeProvider.System.GetUtcNow();
        try
        {
            // Checked before connecting: bad input is told as such, whatever the database.
            command = StartSchool.Check(StartSchool.FieldNames.Cli, urn, name, trust, trustName, headName, headEmail, SchoolDay.Of(now));
        }
        catch (CommandRefusedException e)
        {
            throw new CliException(e.Message);
        }
        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Application, ct);
        await using var app = LedgerServicesForCli.Build(database.ConnectionString);
        StartSchool.Started started;
        try
        {
            started = await StartSchool.RunAsync(app.Get<LedgerStore>(), app.Get<PersonalDataVault>(), command, Operator, now, ct);
        }
        catch (CommandRefusedException e) when (e.Status == 409)
        {
            throw new CliException(e.Message, ExitCodes.ProblemsFound);
        }
        context.Out.Line($"Registered {started.Name} (URN {started.Urn}){(started.TrustId is { } t ? $" in trust {t}" : "")} in {database.Describe()}.", "green");
        context.Out.Line($"Headteacher enrolled: person {started.HeadteacherId:D} (email domain {StartSchool.EmailDomain(command)}).");
        context.Out.Line($"They sign in as that person and carry on: POST /api/schools/{started.Urn}/people enrols the staff.");
        return ExitCodes.Success;
    }
}
