using ComplianceLedger.Cli;
using ComplianceLedger.EventStore.Verification;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Cli;

/// <summary>
/// <c>ledger verify</c> on a ledger nobody has tampered with: what it trusts, what it prints,
/// and how it fails on bad input. Nothing here writes to the database.
/// </summary>
public sealed class VerifyCommandTests(CleanLedger ledger) : IClassFixture<CleanLedger>
{
    readonly LedgerDatabase db = ledger.Db;

    [Fact]
    public async Task Verify_of_a_clean_multi_tenant_ledger_exits_0_and_lists_every_tenant()
    {
        var run = (await LedgerRun.RunAsync("verify", "--public-key", ledger.PublicKeyFile, "--connection", db.AppConnectionString))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("tenant 160001: 20 events, 2 checkpoints: OK")
            .ShouldContain("tenant 160002: 10 events, 1 checkpoint: OK")
            .ShouldContain("tenant 160003: 6 events, 0 checkpoints: OK")
            .ShouldContain("3 tenants, 36 events, 3 checkpoints: all hold")
            .ShouldNotContain("warning: no checkpoint key given");

        var listed = (await new LedgerVerifier(db.AppDataSource).TenantsAsync()).Select(t => t.Tenant);
        Assert.All(listed, tenant => run.ShouldContain($"tenant {tenant}: "));
    }

    [Fact]
    public async Task Verify_without_a_public_key_trusts_the_keys_recorded_in_the_database_and_says_so()
    {
        (await LedgerRun.RunAsync("verify", "--connection", db.AppConnectionString))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("warning: no checkpoint key given")
            .ShouldContain("for an independent check pass --public-key")
            .ShouldContain("(recorded in the database)");
    }

    [Fact]
    public async Task Verify_reads_the_connection_from_the_environment_and_trusts_the_signing_key_file_it_names()
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Ledger"] = db.AppConnectionString,
            ["Ledger__Signing__KeyFile"] = ledger.PrivateKeyFile,
        };
        (await LedgerRun.RunAsync(environment, "verify", "--tenant", "160002"))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain($"Trusting checkpoint key {ledger.KeyId} (Ledger__Signing__KeyFile)")
            .ShouldContain("tenant 160002: 10 events, 1 checkpoint: OK")
            .ShouldNotContain("tenant 160001")
            .ShouldNotContain("warning");
    }

    [Fact]
    public async Task Verify_without_a_public_key_and_strict_refuses_to_trust_the_keys_in_the_database()
    {
        (await LedgerRun.RunAsync("verify", "--strict", "--connection", db.AppConnectionString))
            .ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain("--strict: no checkpoint key was given")
            .ShouldNotContain("tenant 160001");
    }

    [Fact]
    public async Task A_public_key_given_is_the_only_key_trusted_even_beside_the_signing_key_file()
    {
        using var other = Verification.SampleLedger.NewKey();
        var otherFile = Verification.SampleLedger.WritePublicKeyFile(other);
        try
        {
            var environment = new Dictionary<string, string?> { ["Ledger__Signing__KeyFile"] = ledger.PrivateKeyFile };
            (await LedgerRun.RunAsync(environment, "verify", "--tenant", "160002", "--public-key", otherFile, "--strict", "--connection", db.AppConnectionString))
                .ShouldExitWith(ExitCodes.ProblemsFound)
                .ShouldContain($"Trusting checkpoint key {other.KeyId} ({otherFile})")
                .ShouldNotContain($"Trusting checkpoint key {ledger.KeyId}")
                .ShouldContain($"checkpoint signed by unknown key {ledger.KeyId}");
        }
        finally
        {
            File.Delete(otherFile);
        }
    }

    [Fact]
    public async Task A_school_with_events_and_no_signed_checkpoint_is_named_and_fails_under_strict()
    {
        (await LedgerRun.RunAsync("verify", "--tenant", "160003", "--public-key", ledger.PublicKeyFile, "--connection", db.AppConnectionString))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("tenant 160003: 6 events, 0 checkpoints: OK")
            .ShouldContain("warning: no signed checkpoint: nothing outside the database vouches for these events.");
        (await LedgerRun.RunAsync("verify", "--tenant", "160003", "--public-key", ledger.PublicKeyFile, "--strict", "--connection", db.AppConnectionString))
            .ShouldExitWith(ExitCodes.ProblemsFound)
            .ShouldContain("FAILED (--strict): no signed checkpoint");
    }

    [Fact]
    public async Task Verify_of_a_tenant_that_is_not_in_the_ledger_is_a_usage_error()
    {
        (await LedgerRun.RunAsync("verify", "--tenant", "999999", "--connection", db.AppConnectionString))
            .ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain("Tenant 999999 has no events");
    }

    [Fact]
    public async Task Verify_without_any_connection_explains_where_it_looked_and_exits_2()
    {
        var empty = Directory.CreateTempSubdirectory("ledger-no-cluster-");
        try
        {
            (await LedgerRun.RunAsync(new Dictionary<string, string?> { ["Ledger__DataDirectory"] = empty.FullName }, "verify"))
                .ShouldExitWith(ExitCodes.UsageError)
                .ShouldContain("No database to connect to: pass --connection or set ConnectionStrings__Ledger")
                .ShouldContain(empty.FullName);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Verify_against_an_unreachable_database_exits_2()
    {
        var nowhere = $"Host={Path.Combine(Path.GetTempPath(), $"no-server-{Guid.NewGuid():N}")};Database=ledger;Username=ledger_app";
        (await LedgerRun.RunAsync("verify", "--connection", nowhere))
            .ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain("Could not connect to the database");
    }

    [Fact]
    public async Task Verify_with_a_malformed_connection_string_exits_2()
    {
        (await LedgerRun.RunAsync("verify", "--connection", "Hots=nowhere"))
            .ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain("The connection string from --connection is not valid");
    }

    [Fact]
    public async Task Verify_refuses_a_missing_public_key_file_before_connecting()
    {
        (await LedgerRun.RunAsync("verify", "--public-key", "/nonexistent/key.pem", "--connection", db.AppConnectionString))
            .ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain("Could not read the public key file /nonexistent/key.pem");
    }

    [Fact]
    public async Task Verify_refuses_a_private_key_passed_as_a_public_key()
    {
        (await LedgerRun.RunAsync("verify", "--public-key", ledger.PrivateKeyFile, "--connection", db.AppConnectionString))
            .ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain("holds a private key; pass its public half");
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error()
    {
        (await LedgerRun.RunAsync("verify", "--tenants", "160001"))
            .ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain("--tenants");
    }

    [Fact]
    public async Task Redirected_output_is_plain_text_with_one_unwrapped_line_per_tenant()
    {
        using var output = new StringWriter();
        var console = LedgerCli.TerminalConsole(output, redirected: true);

        var exitCode = await LedgerCli.RunAsync(
            ["verify", "--public-key", ledger.PublicKeyFile, "--connection", db.AppConnectionString], console, new Dictionary<string, string?>());

        Assert.Equal(ExitCodes.Success, exitCode);
        var text = output.ToString();
        Assert.DoesNotContain('\u001b', text);
        // The description of the database is far wider than 80 columns and must stay on one line.
        Assert.Contains(text.Split('\n'), line => line.StartsWith("Verifying database ", StringComparison.Ordinal) && line.Contains("(--connection)", StringComparison.Ordinal));
        Assert.Contains("tenant 160001: 20 events, 2 checkpoints: OK\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_an_interactive_terminal_verify_shows_progress_bars_then_the_results()
    {
        var run = (await LedgerRun.RunAsync(new Dictionary<string, string?>(),
                ["verify", "--public-key", ledger.PublicKeyFile, "--connection", db.AppConnectionString], interactive: true))
            .ShouldExitWith(ExitCodes.Success);

        Assert.Contains('\u001b', run.Output);
        run.ShouldContain("160001").ShouldContain("all hold");
    }
}
