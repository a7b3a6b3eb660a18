using System.CommandLine;
using ComplianceLedger.Api.Demo;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.LocalPostgres;
using ComplianceLedger.EventStore.Projections.Daemon;
using Spectre.Console;

namespace ComplianceLedger.Cli.Seed;

/// <summary><c>ledger seed-demo</c>: the demo trust (Brookfield Primary Academy and nine more schools), once.</summary>
internal static class SeedDemoCommand
{
    public static Command Create(CliContext context)
    {
        var connection = DatabaseConnection.AppOption();
        var command = new Command("seed-demo", "Write the demo trust of ten schools into an empty ledger (through the app's own decisions).") { connection };
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(connection), ct));
        return command;
    }

    static async Task<int> RunAsync(CliContext context, string? connectionOption, CancellationToken ct)
    {
        var database = await DatabaseConnection.ResolveAsync(context, connectionOption, ConnectionPurpose.Application, ct);
        await using var app = LedgerServicesForCli.Build(database.ConnectionString, EmailIndexKey(context, database));
        var demo = app.Get<DemoSchool>();
        if (await demo.ExistsAsync(ct))
        {
            context.Out.Line($"The demo school {DemoSchool.Urn} is already in {database.Describe()}; nothing to do.", "green");
            return ExitCodes.Success;
        }
        using var key = CheckpointKey(context, database);
        context.Out.Line($"Seeding the demo trust into {database.Describe()}, with its history from {DemoSchool.HistoryStart(DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime)):yyyy-MM-dd}");
        if (context.Out.Profile.Capabilities.Interactive)
        {
            await context.Out.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask("schools", maxValue: DemoSchool.TrustSchools.Length);
                await demo.SeedAsync(key, _ => task.Increment(1), ct);
                task.Value = task.MaxValue;
            });
        }
        else
        {
            await demo.SeedAsync(key, school => context.Out.Line($"  {school}"), ct);
        }
        // The dashboards' async read models, now rather than when the app next starts.
        await app.Get<ProjectionDaemon>().CatchUpOnceAsync(ct);
        context.Out.Line($"Done: {DemoSchool.TrustSchools.Length} schools; the demo school is URN {DemoSchool.Urn}.", "green");
        return ExitCodes.Success;
    }

    /// <summary>
    /// The key of the sign-in email index (the demo people's emails are indexed with it): the
    /// app's, else the development one when seeding the development cluster, else one for this
    /// run only (the demo then has no one to sign in by email).
    /// </summary>
    static Dictionary<string, string?> EmailIndexKey(CliContext context, DatabaseConnection database)
    {
        if (ConfiguredEmailIndexKey(context, database) is { } configured)
        {
            return configured;
        }
        context.Out.Line("No sign-in email index key configured (SignIn__EmailIndexKeyFile): the demo's emails are indexed with a key made for this run.");
        return new() { ["SignIn:EmailIndexKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };
    }

    /// <summary>The app's sign-in email index key as settings, else the development one for the development cluster; null when neither.</summary>
    internal static Dictionary<string, string?>? ConfiguredEmailIndexKey(CliContext context, DatabaseConnection database)
    {
        if (context.Variable("SignIn__EmailIndexKey") is { } key)
        {
            return new() { ["SignIn:EmailIndexKey"] = key };
        }
        if (context.Variable("SignIn__EmailIndexKeyFile") is { } file)
        {
            return new() { ["SignIn:EmailIndexKeyFile"] = file };
        }
        return database.DevelopmentDataDirectory is { } directory
            ? new() { ["SignIn:EmailIndexKeyFile"] = Api.SignIn.SignInEmails.DevelopmentKeyFile(directory) }
            : null;
    }

    /// <summary>
    /// The key that signs the checkpoints along the demo's history: the app's configured key,
    /// else the development key when seeding the development cluster (so the app carries on
    /// with it), else a key for this run only (its public half is recorded with the checkpoints).
    /// </summary>
    internal static SigningKey CheckpointKey(CliContext context, DatabaseConnection database)
    {
        if (context.Variable("Ledger__Signing__PrivateKeyPem") is { } pem)
        {
            return SigningKey.FromPem(pem);
        }
        if (context.Variable("Ledger__Signing__KeyFile") is { } file)
        {
            return SigningKey.FromFile(file, createIfMissing: false);
        }
        if (database.DevelopmentDataDirectory is { } directory)
        {
            return SigningKey.FromFile(DevelopmentData.SigningKeyFile(directory), createIfMissing: true);
        }
        context.Out.Line("No checkpoint key configured (Ledger__Signing__KeyFile): the checkpoints are signed with a key made for this run.");
        return SigningKey.Generate();
    }
}
