using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using ComplianceLedger.Api.Demo;
using ComplianceLedger.Api.EvidencePacks;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Packs;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Bench;

/// <summary>
/// Issue 14's pack figures: an evidence pack of a school-year's 50,000 events built by the app's
/// own builder (target 3 s), and checked by verify-pack's verifier (target 300,000 events/s).
/// Baselines from the same run: the same rows read in chain order, and the pack merely unzipped
/// and hashed.
/// </summary>
static class PackBenchmark
{
    public const long Events = 50_000;

    public static async Task<IReadOnlyList<Figure>> RunAsync(string appConnectionString, int rounds, CancellationToken ct)
    {
        using var key = SigningKey.Generate();
        await using var services = ApiHost.Services(appConnectionString, new Dictionary<string, string?> { ["Ledger:Signing:PrivateKeyPem"] = key.PrivateKeyPem() });
        var seeding = Stopwatch.StartNew();
        var seeded = await services.Services.GetRequiredService<SyntheticTrust>().SeedAsync(1, Events, "bench-pack", checkpointKey: key, ct: ct);
        var dataSource = services.Services.GetRequiredService<NpgsqlDataSource>();
        string urn;
        await using (var command = dataSource.CreateCommand("SELECT tenant FROM ledger.chain_heads ORDER BY position DESC LIMIT 1"))
        {
            urn = (string)(await command.ExecuteScalarAsync(ct))!;
        }
        Report.Log($"pack: school {urn} seeded with {seeded} events in {seeding.Elapsed.TotalSeconds:0.0} s");

        var builder = services.Services.GetRequiredService<EvidencePackBuilder>();
        var today = SchoolDay.Today(TimeProvider.System);
        var order = new PackOrder(urn, new PackPeriod(today, today, AsOf: true), "system:bench", "the benchmark");
        byte[] zip = [];
        PackManifest? manifest = null;
        var builds = new List<double>();
        var reads = new List<double>();
        for (var round = 0; round <= rounds; round++)
        {
            var read = await ReadInOrderAsync(dataSource, urn, ct);
            using var output = new MemoryStream();
            var clock = Stopwatch.StartNew();
            manifest = await builder.WriteAsync(output, order, null, ct);
            clock.Stop();
            zip = output.ToArray();
            // Round 0 warms the JIT and the server's caches.
            if (round > 0)
            {
                builds.Add(clock.Elapsed.TotalSeconds);
                reads.Add(read.TotalSeconds);
            }
        }
        var events = manifest!.Events.Count;
        Report.Log($"pack: {events} events, {zip.Length / 1048576.0:0.0} MB zip; builds {string.Join(", ", builds.Select(b => $"{b:0.00} s"))}; ordered reads {string.Join(", ", reads.Select(r => $"{r:0.00} s"))}");

        var verifies = new List<double>();
        var floors = new List<double>();
        for (var round = 0; round <= rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var result = PackVerifier.Verify(new MemoryStream(zip), new Dictionary<string, byte[]> { [key.KeyId] = key.PublicKey });
            clock.Stop();
            if (!result.Intact || result.EventsChecked != events)
            {
                throw new InvalidOperationException($"The benchmark's pack does not verify: {string.Join("; ", result.Problems)}");
            }
            var floor = Stopwatch.StartNew();
            UnzipAndHash(zip);
            floor.Stop();
            if (round > 0)
            {
                verifies.Add(events / clock.Elapsed.TotalSeconds);
                floors.Add(events / floor.Elapsed.TotalSeconds);
            }
        }
        Report.Log($"verify-pack: {string.Join(", ", verifies.Select(v => $"{v:0}/s"))}; unzip and hash alone {string.Join(", ", floors.Select(v => $"{v:0}/s"))}");

        var build = Median(builds);
        var verify = Median(verifies);
        return
        [
            Figure.Compared("pack_build_s", build, "s", Median(reads), null,
                $"EvidencePackBuilder.WriteAsync of school {urn} as of today: {events} events with an inclusion proof each, signed tree head, report and registers, " +
                $"verify.html, signed manifest, zip of {zip.Length / 1048576.0:0.0} MB in memory; median of {rounds} rounds after a warm-up; target 3 s (issue 14, absolute); " +
                "baseline: the same events read in chain order to the client and parsed, nothing written (ratio = build time / read time: lower is better)") with
            { Target = 3, Met = build <= 3 },
            Figure.Compared("verify_pack_events_per_s", verify, "events/s", Median(floors), null,
                $"PackVerifier.Verify of that pack with the school's key (ledger verify-pack's checks: manifest signature, every file's SHA-256, tree head signature, " +
                $"every event's hash, link and inclusion proof, period marks), {events} events, median of {rounds} rounds after a warm-up; target 300,000 events/s (issue 14, absolute); " +
                "baseline: the same zip only inflated and every file SHA-256 hashed, as events per second") with
            { Target = 300_000, Met = verify >= 300_000 },
        ];
    }

    static async Task<TimeSpan> ReadInOrderAsync(NpgsqlDataSource dataSource, string urn, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using var command = dataSource.CreateCommand("""
            SELECT global_position, tenant, chain_position, stream_id, stream_version, event_id, event_type, data::text,
                   actor, correlation_id, causation_id, command_id, recorded_at, prev_hash, hash
              FROM ledger.events WHERE tenant = $1 ORDER BY chain_position
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
        {
            _ = LedgerStore.ReadEvent(reader);
        }
        return clock.Elapsed;
    }

    static void UnzipAndHash(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        foreach (var entry in archive.Entries)
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            _ = SHA256.HashData(buffer.ToArray());
        }
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
