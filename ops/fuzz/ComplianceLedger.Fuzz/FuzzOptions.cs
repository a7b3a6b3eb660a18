using System.Globalization;
using System.Net;

namespace ComplianceLedger.Fuzz;

/// <summary>How much to send, from which seed, to which app. The same seed against the same app state sends the same requests.</summary>
public sealed record FuzzOptions(int Seed, int Requests, TimeSpan? Duration, Uri? BaseAddress, int Sweeps)
{
    public const int DefaultRequests = 100_000;

    public const string Usage = """
        ops/fuzz/run [--seed N] [--requests N] [--minutes M] [--sweeps N] [--base-url http://127.0.0.1:PORT]

          --seed N       the run's seed (printed at start; default: a random one). The same seed reproduces a run
          --requests N   hostile requests to send (default 100000); page sweeps come on top
          --minutes M    stop after M minutes even if fewer requests were sent
          --sweeps N     times every page is read back for live markers during the run, the last at the end (default 4)
          --base-url U   fuzz an app already running there (loopback only; it must have the development sign-in and
                         a school seeded as ops/fuzz seeds one); default: start a throwaway cluster and the API
        """;

    public static FuzzOptions Parse(string[] args)
    {
        var seed = Random.Shared.Next();
        var requests = DefaultRequests;
        TimeSpan? duration = null;
        Uri? baseAddress = null;
        var sweeps = 4;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--seed":
                    seed = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--requests":
                    requests = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--minutes":
                    duration = TimeSpan.FromMinutes(double.Parse(Value(), CultureInfo.InvariantCulture));
                    break;
                case "--sweeps":
                    sweeps = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--base-url":
                    baseAddress = new Uri(Value());
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }
        if (requests < 1 || sweeps < 1)
        {
            throw new ArgumentException("--requests and --sweeps must be at least 1.");
        }
        if (baseAddress is not null)
        {
            RequireLoopback(baseAddress);
        }
        return new FuzzOptions(seed, requests, duration, baseAddress, sweeps);
    }

    /// <summary>The fuzzer sends hostile requests by the hundred thousand: never to anything but this machine.</summary>
    public static void RequireLoopback(Uri address)
    {
        var loopback = address.IsLoopback
            || (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        if (!loopback || address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"Refusing to fuzz {address}: only a loopback address (127.0.0.1, ::1, localhost) over http(s).");
        }
    }
}
