using ComplianceLedger.Cli;
using Spectre.Console;

namespace ComplianceLedger.Chaos;

/// <summary>One run of a <c>ledger</c> verb, in this process, on a plain console: its exit code and what it printed.</summary>
sealed record Cli(int ExitCode, string Output)
{
    public static async Task<Cli> RunAsync(CancellationToken ct, params string[] args)
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        // Only what the arguments say: never this process's connection strings.
        var exitCode = await LedgerCli.RunAsync(args, console, new Dictionary<string, string?>(), ct: ct);
        return new Cli(exitCode, output.ToString());
    }

    public Cli Succeeded(string what) =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"ledger {what} exited with {ExitCode}:\n{Output}");
}
