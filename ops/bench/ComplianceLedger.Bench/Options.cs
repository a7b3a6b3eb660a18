using System.Globalization;

namespace ComplianceLedger.Bench;

/// <summary>What to run and for how long. <c>--quick</c> is the under-a-minute smoke run; the default is steadier.</summary>
sealed record Options(
    bool Quick,
    TimeSpan Warmup,
    TimeSpan StoreWarmup,
    TimeSpan Duration,
    int Rounds,
    int ImportRounds,
    int Writers,
    int Tenants,
    int ImportEvents,
    bool Reference,
    long TrustEvents,
    long RebuildEvents,
    int DashboardRequests,
    string? ResultsDirectory,
    string? ConnectionOptions,
    IReadOnlySet<string> Only,
    bool Statements,
    TimeSpan StallHold)
{
    public const string Usage = """
        ops/bench/run [--quick] [--seconds N] [--rounds N] [--writers N] [--import-events N]
                      [--trust-events N] [--rebuild-events N] [--dashboard-requests N] [--reference | --no-reference]
                      [--only append,one-tenant,import,staff-import,pack,http,http-schools,school-dashboard,trust-dashboard,pages,rebuild,async-lag,cross-school-stall,reminders]
                      [--results DIR]
                      [--connection-options "Key=Value;…"] [--statements] [--stall-seconds N]

          --quick          ~4 s per phase, one round, 50k-event import, smaller API, async-lag and rebuild data: about 95 s
          (default)        30 s per phase as 6 alternating rounds of 5 s, 200k-event import, 3 rounds, API figures: about 9 minutes
          --reference      also run the design card's pgbench INSERT + chain-head UPDATE references (default in full mode)
          --only           run only some figures (http = acknowledgements over HTTP into the real API, one school;
                           http-schools = the same over one school per client, full run only by default)
          staff-import     a 5,000-row staff list previewed and imported by the app's SchoolImport (target 10 s)
          pack             an evidence pack of a 50,000-event synthetic school, built and then checked by verify-pack
          async-lag        1,000 acknowledgements/s over 50 schools; lag until both async projections have them
          cross-school-stall  one school's append held open 5 s while the other 49 append at 200/s; their lag during the hold
          reminders        a new policy version published in each school of a synthetic trust (quick 20, full 100 schools of
                           120 people): reminders scheduled, and messages sent to a loopback SMTP server, with the rate
          --stall-seconds N  how long cross-school-stall holds the append open (default 5)
          --trust-events N events in the synthetic 100-school trust for trust-dashboard (quick 30k, full 500k)
          --rebuild-events N events in the 100-school synthetic trust whose read models rebuild replays (quick 50k, full 1M)
          --dashboard-requests N  timed sequential requests per dashboard figure (quick 100, full 500)
          --connection-options "Key=Value;…"  extra Npgsql settings for the store's data source (to compare configurations)
          --results DIR    also append the JSON lines to DIR/<timestamp>.jsonl
          --statements     load pg_stat_statements and log the costliest statements of the HTTP and async-lag runs (profiling; costs a little)
        """;

    public bool Runs(string phase) => Only.Count == 0 ? phase != "http-schools" || !Quick : Only.Contains(phase);

    public static Options Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        var seconds = quick ? 4 : 5;
        var rounds = quick ? 1 : 6;
        var writers = 8;
        var importEvents = quick ? 50_000 : 200_000;
        var reference = !quick;
        var trustEvents = quick ? 30_000L : 500_000L;
        var dashboardRequests = quick ? 100 : 500;
        var rebuildEvents = quick ? 50_000L : 1_000_000L;
        string? results = null;
        string? connectionOptions = null;
        var only = new HashSet<string>(StringComparer.Ordinal);
        var statements = false;
        var stallSeconds = 5;

        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--seconds":
                    seconds = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--rounds":
                    rounds = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--writers":
                    writers = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--import-events":
                    importEvents = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--trust-events":
                    trustEvents = long.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--rebuild-events":
                    rebuildEvents = long.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--dashboard-requests":
                    dashboardRequests = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--reference":
                    reference = true;
                    break;
                case "--no-reference":
                    reference = false;
                    break;
                case "--only":
                    only.UnionWith(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--connection-options":
                    connectionOptions = Next();
                    break;
                case "--results":
                    results = Next();
                    break;
                case "--stall-seconds":
                    stallSeconds = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--statements":
                    statements = true;
                    break;
                case "-h" or "--help":
                    throw new ArgumentException(Usage);
                default:
                    throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }
        return new Options(quick, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(quick ? 3 : 8), TimeSpan.FromSeconds(seconds), rounds, quick ? 1 : 3, writers, 50,
            importEvents, reference, trustEvents, rebuildEvents, dashboardRequests, results, connectionOptions, only, statements, TimeSpan.FromSeconds(Math.Max(1, stallSeconds)));
    }
}
