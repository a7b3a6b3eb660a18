namespace ComplianceLedger.Chaos;

static class Program
{
    static async Task<int> Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.Out.WriteLine(ChaosOptions.Usage);
            return 0;
        }
        ChaosOptions options;
        try
        {
            options = ChaosOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var started = DateTime.UtcNow;
        var report = await ChaosRun.RunAsync(options, line => Console.Error.WriteLine($"[{DateTime.UtcNow - started:mm\\:ss}] {line}"), cancel.Token);
        Console.Out.WriteLine(report.Summary());
        return report.Holds ? 0 : 1;
    }
}
