using System.Diagnostics;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Verification;
using Spectre.Console;

namespace ComplianceLedger.Cli.Verify;

/// <summary>
/// Verifies tenants one after another and shows how far it has got: progress bars on an
/// interactive terminal, otherwise (CI, pipes, tests) plain lines, each tenant's result as
/// it completes and a note now and then while a large tenant is being read.
/// </summary>
internal static class VerificationRun
{
    static readonly TimeSpan PlainProgressInterval = TimeSpan.FromSeconds(10);

    public static bool UsesProgressBars(IAnsiConsole console) =>
        console.Profile.Capabilities is { Interactive: true, Ansi: true };

    /// <param name="completed">Called with each tenant's result: at once in plain mode, after the bars close otherwise.</param>
    public static async Task VerifyAsync(
        IAnsiConsole console, LedgerVerifier verifier, IReadOnlyList<(string Tenant, long Events)> tenants,
        IReadOnlyDictionary<string, byte[]> trustedKeys, IReadOnlyCollection<TreeHead> keptHeads, Action<TenantVerification> completed, CancellationToken ct)
    {
        if (!UsesProgressBars(console))
        {
            foreach (var (tenant, events) in tenants)
            {
                var lastNote = Stopwatch.GetTimestamp();
                void Note(long checkedSoFar)
                {
                    if (Stopwatch.GetElapsedTime(lastNote) >= PlainProgressInterval)
                    {
                        lastNote = Stopwatch.GetTimestamp();
                        console.Line(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                            $"  tenant {tenant}: {checkedSoFar} of {events} events checked…"));
                    }
                }
                completed(await verifier.VerifyTenantAsync(tenant, trustedKeys, Note, keptHeads, ct));
            }
            return;
        }

        var results = new List<TenantVerification>(tenants.Count);
        await console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var total = tenants.Sum(t => t.Events);
                var overall = progress.AddTask(
                    $"{ConsoleLines.Count(tenants.Count, "tenant")}, {ConsoleLines.Count(total, "event")}", maxValue: Math.Max(total, 1));
                var before = 0L;
                foreach (var (tenant, events) in tenants)
                {
                    var task = progress.AddTask($"tenant {Markup.Escape(tenant)}", maxValue: Math.Max(events, 1));
                    var done = before;
                    var result = await verifier.VerifyTenantAsync(tenant, trustedKeys, checkedSoFar =>
                    {
                        // The count may have grown since it was taken; a bar never runs past its end.
                        task.Value = Math.Min(checkedSoFar, task.MaxValue);
                        overall.Value = Math.Min(done + checkedSoFar, overall.MaxValue);
                    }, keptHeads, ct);
                    task.Value = task.MaxValue;
                    task.StopTask();
                    before += events;
                    overall.Value = Math.Min(before, overall.MaxValue);
                    results.Add(result);
                }
                overall.Value = overall.MaxValue;
                overall.StopTask();
            });
        foreach (var result in results)
        {
            completed(result);
        }
    }
}
