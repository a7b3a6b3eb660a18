using ComplianceLedger.Cli;
using ComplianceLedger.EventStore.Migrations;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Cli;

/// <summary><c>ledger migrate</c> on databases of its own, made on the fixture's server.</summary>
public sealed class MigrateCommandTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>, IAsyncLifetime
{
    readonly string database = $"ledger_cli_{Guid.NewGuid():N}";

    // The test migrates a fresh database, a cluster-wide catalog change: hold the server's catalog lock throughout.
    public async Task InitializeAsync()
    {
        await db.Server.CatalogLock.WaitAsync();
        await db.Server.CreateDatabaseAsync(database);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await db.Server.DropDatabaseAsync(database);
        }
        finally
        {
            db.Server.CatalogLock.Release();
        }
    }

    /// <summary>Same as the fixture: a password only where the server checks one, so parallel tests keep theirs.</summary>
    string[] AppPassword => db.Server.Cluster is null ? ["--app-password", PostgresServer.AppRolePassword] : [];

    [Fact]
    public async Task Migrate_applies_every_script_to_a_fresh_database_and_then_reports_up_to_date()
    {
        var admin = db.Server.AdminConnectionString(database);

        var first = (await LedgerRun.RunAsync(["migrate", "--connection", admin, .. AppPassword]))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain($"Migrating database {database}");
        foreach (var script in LedgerMigrator.Scripts.Skip(1))
        {
            first.ShouldContain($"applied {script.Name}");
        }
        // Every store script but the roles one (run each time), and every read-model script.
        first.ShouldContain($"{LedgerMigrator.Scripts.Count - 1 + ComplianceLedger.Projections.ProjectionSchema.Scripts.Count} scripts applied.");

        (await LedgerRun.RunAsync(["migrate", "--connection", admin, .. AppPassword]))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("The schema is up to date; nothing to apply.")
            .ShouldNotContain("applied");
    }

    [Fact]
    public async Task Verify_before_migrate_says_to_migrate_first_and_after_it_finds_an_empty_ledger()
    {
        var app = db.Server.AppConnectionString(database);
        (await LedgerRun.RunAsync("verify", "--connection", app))
            .ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain("run `ledger migrate` first");

        (await LedgerRun.RunAsync(["migrate", "--connection", db.Server.AdminConnectionString(database), .. AppPassword]))
            .ShouldExitWith(ExitCodes.Success);

        (await LedgerRun.RunAsync("verify", "--connection", app))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("The ledger holds no tenants yet");
    }

    [Fact]
    public async Task Migrate_takes_the_admin_connection_from_ConnectionStrings__LedgerAdmin_before_ConnectionStrings__Ledger()
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__LedgerAdmin"] = db.Server.AdminConnectionString(database),
            ["ConnectionStrings__Ledger"] = "Host=/nonexistent;Database=nowhere",
            ["Ledger__AppRolePassword"] = db.Server.Cluster is null ? PostgresServer.AppRolePassword : null,
        };

        (await LedgerRun.RunAsync(environment, "migrate"))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("(ConnectionStrings__LedgerAdmin)")
            .ShouldContain("applied 002_event_store.sql");
    }

    [Fact]
    public async Task Migrate_falls_back_to_ConnectionStrings__Ledger()
    {
        var environment = new Dictionary<string, string?> { ["ConnectionStrings__Ledger"] = db.Server.AdminConnectionString(database) };

        (await LedgerRun.RunAsync(environment, ["migrate", .. AppPassword]))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("(ConnectionStrings__Ledger)");
    }
}
