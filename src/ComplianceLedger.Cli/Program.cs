namespace ComplianceLedger.Cli;

static class Program
{
    static Task<int> Main(string[] args) => LedgerCli.RunAsync(
        args,
        LedgerCli.TerminalConsole(Console.Out, Console.IsOutputRedirected),
        errorConsole: LedgerCli.TerminalConsole(Console.Error, Console.IsErrorRedirected));
}
