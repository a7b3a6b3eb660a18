using System.Globalization;

namespace ComplianceLedger.Chaos;

/// <summary>How much chaos: how many writers, app kills and PostgreSQL crashes, and the work to do.</summary>
public sealed record ChaosOptions
{
    public const string Usage = """
        ops/chaos/run [--kills N] [--pg-restarts N] [--writers N] [--schools N] [--people N] [--policies N]
                      [--uptime-ms MIN-MAX] [--seed N] [--api-dll PATH]

          --kills N         SIGKILL the app N times at random moments, restarting it each time (20)
          --pg-restarts N   restart PostgreSQL with pg_ctl restart -m immediate N times (5)
          --writers N       concurrent HTTP writers, each retrying a request with its Idempotency-Key until answered (8)
          --schools N       schools made with `ledger school add` (3)
          --people N        teachers enrolled per school before the faults begin (40)
          --policies N      policies published per school; every teacher acknowledges each (5)
          --uptime-ms A-B   the app (or PostgreSQL) runs A to B ms between faults (2000-7000)
          --seed N          the random schedule's seed (default: from the clock; printed)
          --api-dll PATH    the ComplianceLedger.Api.dll to run (default: the Release build of this checkout)
        Exit 0 when every guarantee held, 1 when any was broken, 2 for a bad option.
        """;

    public int Kills { get; init; } = 20;
    public int PgRestarts { get; init; } = 5;
    public int Writers { get; init; } = 8;
    public int Schools { get; init; } = 3;
    public int PeoplePerSchool { get; init; } = 40;
    public int Policies { get; init; } = 5;
    public TimeSpan MinUptime { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan MaxUptime { get; init; } = TimeSpan.FromSeconds(7);
    public int Seed { get; init; } = Environment.TickCount & int.MaxValue;
    public string? ApiDll { get; init; }

    public static ChaosOptions Parse(string[] args)
    {
        var options = new ChaosOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Count(int min) => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
                ? n
                : throw new ArgumentException($"{args[i - 1]} takes a whole number of at least {min}.");
            options = args[i] switch
            {
                "--kills" => options with { Kills = Count(0) },
                "--pg-restarts" => options with { PgRestarts = Count(0) },
                "--writers" => options with { Writers = Count(1) },
                "--schools" => options with { Schools = Count(1) },
                "--people" => options with { PeoplePerSchool = Count(1) },
                "--policies" => options with { Policies = Count(1) },
                "--seed" => options with { Seed = Count(0) },
                "--api-dll" => options with { ApiDll = Value() },
                "--uptime-ms" => Uptime(options, Value()),
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
        }
        return options;
    }

    static ChaosOptions Uptime(ChaosOptions options, string value)
    {
        var parts = value.Split('-');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var min)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var max) && min >= 100 && max >= min)
        {
            return options with { MinUptime = TimeSpan.FromMilliseconds(min), MaxUptime = TimeSpan.FromMilliseconds(max) };
        }
        throw new ArgumentException("--uptime-ms takes MIN-MAX in milliseconds, e.g. 2000-7000 (MIN at least 100).");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Writers} writers, {Kills} app kills, {PgRestarts} PostgreSQL immediate restarts, {Schools} schools x {PeoplePerSchool} teachers x {Policies} policies, " +
        $"uptime {MinUptime.TotalMilliseconds:0}-{MaxUptime.TotalMilliseconds:0} ms, seed {Seed}");
}
