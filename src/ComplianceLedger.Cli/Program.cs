using ComplianceLedger.Cli;

return await LedgerCli.RunAsync(
    args,
    LedgerCli.TerminalConsole(Console.Out, Console.IsOutputRedirected),
    errorConsole: LedgerCli.TerminalConsole(Console.Error, Console.IsErrorRedirected));
