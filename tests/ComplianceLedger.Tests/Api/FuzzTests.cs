using System.Diagnostics;
using ComplianceLedger.Fuzz;
using ComplianceLedger.Tests.Fixtures;
using Xunit.Abstractions;

namespace ComplianceLedger.Tests.Api;

/// <summary>
/// ops/fuzz's engine in CI: 10,000 hostile requests over every operation of the OpenAPI document
/// and every form of the pages eight members reach, over a loopback socket to the test app. Half
/// from a fixed seed, half from a new one each run (printed, so a failure can be run again with
/// <c>ops/fuzz/run --seed N</c>). The three zeros: no 5xx, no event from a refused request, no
/// injected markup live on any page.
/// </summary>
public sealed class FuzzTests(LedgerApp app, ITestOutputHelper output) : IClassFixture<LedgerApp>
{
    const int Requests = 5_000;

    [Fact]
    public Task A_fixed_seed_finds_no_server_error_no_event_from_a_refused_request_and_no_live_markup() => FuzzAsync("300911", 20261208);

    [Fact]
    public Task A_new_seed_each_run_finds_no_server_error_no_event_from_a_refused_request_and_no_live_markup() =>
        FuzzAsync("300912", Random.Shared.Next());

    async Task FuzzAsync(string urn, int seed)
    {
        var members = await FuzzSchool.SeedAsync(app.Setup, urn, CancellationToken.None);
        var options = new FuzzOptions(seed, Requests, TimeSpan.FromMinutes(4), null, Sweeps: 2);
        var clock = Stopwatch.StartNew();
        using var fuzzer = new Fuzzer(options, app.LoopbackAddress, members, new EventLedger(app.AdminDataSource), output.WriteLine,
            _ => app.ProjectionsCaughtUpAsync(TimeSpan.FromMinutes(1)));
        var report = await fuzzer.RunAsync(CancellationToken.None);
        output.WriteLine(report.Summary(200));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s");

        Assert.True(report.Requests >= Requests * 0.9, $"seed {seed}: only {report.Requests} requests were sent in the time allowed");
        Assert.True(report.ByOperation.Count > 80, $"seed {seed}: only {report.ByOperation.Count} operations and forms were reached");
        Assert.True(report.ByClass[2] + report.ByClass[3] > 100, $"seed {seed}: almost nothing was accepted, so no markup reached a page");
        Assert.True(report.PagesRead > 100, $"seed {seed}: only {report.PagesRead} pages were read back");
        Assert.True(report.Passed, report.Summary(50));
        Assert.Equal(0, report.ServerErrors);
        Assert.Equal(0, report.EventsFromRejected);
        Assert.Equal(0, report.LiveMarkers);
    }
}
