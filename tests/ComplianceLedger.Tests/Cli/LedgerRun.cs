using ComplianceLedger.Cli;
using Spectre.Console;

namespace ComplianceLedger.Tests.Cli;

/// <summary>One in-process run of the <c>ledger</c> CLI: its exit code and everything it printed.</summary>
public sealed record LedgerRun(int ExitCode, string Output)
{
    /// <summary>
    /// Runs the CLI on a plain, non-interactive console (as in CI) with only the given
    /// environment, never the test process's own.
    /// </summary>
    public static Task<LedgerRun> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string?>(), args);

    public static Task<LedgerRun> RunAsync(IDictionary<string, string?> environment, params string[] args) =>
        RunAsync(environment, args, interactive: false);

    public static async Task<LedgerRun> RunAsync(IDictionary<string, string?> environment, string[] args, bool interactive)
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Ansi = interactive ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.TrueColor : ColorSystemSupport.NoColors,
        });
        var exitCode = await LedgerCli.RunAsync(args, console, environment);
        return new LedgerRun(exitCode, output.ToString());
    }

    /// <summary>Fails with the whole output when the exit code is not <paramref name="expected"/>.</summary>
    public LedgerRun ShouldExitWith(int expected)
    {
        Assert.True(ExitCode == expected, $"expected exit code {expected}, got {ExitCode}. Output:\n{Output}");
        return this;
    }

    public LedgerRun ShouldContain(string expected)
    {
        Assert.True(Output.Contains(expected, StringComparison.Ordinal), $"expected the output to contain \"{expected}\". Output:\n{Output}");
        return this;
    }

    public LedgerRun ShouldNotContain(string unexpected)
    {
        Assert.False(Output.Contains(unexpected, StringComparison.Ordinal), $"expected the output not to contain \"{unexpected}\". Output:\n{Output}");
        return this;
    }

    public override string ToString() => $"exit {ExitCode}\n{Output}";
}
