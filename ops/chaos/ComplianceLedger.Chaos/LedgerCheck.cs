using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace ComplianceLedger.Chaos;

/// <summary>One event of a school's ledger as <c>GET /api/schools/{urn}/events</c> shows it.</summary>
sealed record LedgerEvent(string Urn, long Position, string StreamId, long StreamVersion, string Type, JsonElement Data, string Actor, string? CommandId);

/// <summary>What the checks found; each list holds one line per broken guarantee.</summary>
sealed class Findings
{
    public List<string> Missing { get; } = [];
    public List<string> Duplicates { get; } = [];
    public List<string> Refused { get; } = [];
    public List<string> Other { get; } = [];

    public IEnumerable<string> All => Missing.Concat(Duplicates).Concat(Refused).Concat(Other);
}

/// <summary>
/// The end of a run, seen from outside the app: the ledger read through the API, chains through
/// <c>ledger verify</c>, read models through <c>ledger rebuild</c>.
/// </summary>
static class LedgerCheck
{
    /// <summary>Every event of the school, in chain order, through the API (as its headteacher).</summary>
    public static async Task<List<LedgerEvent>> ReadAsync(LedgerClient client, School school, CancellationToken ct)
    {
        var events = new List<LedgerEvent>();
        while (true)
        {
            var page = await client.GetAsync(school.Head, string.Create(CultureInfo.InvariantCulture,
                $"/api/schools/{school.Urn}/events?after={(events.Count == 0 ? 0 : events[^1].Position)}&limit=1000"), ct);
            if (page.GetArrayLength() == 0)
            {
                return events;
            }
            foreach (var e in page.EnumerateArray())
            {
                events.Add(new LedgerEvent(school.Urn, e.GetProperty("chainPosition").GetInt64(), e.GetProperty("streamId").GetString()!,
                    e.GetProperty("streamVersion").GetInt64(), e.GetProperty("type").GetString()!, e.GetProperty("data").Clone(),
                    e.GetProperty("actor").GetString()!, e.GetProperty("commandId").GetString()));
            }
        }
    }

    /// <summary>
    /// Every acknowledged command is in the ledger exactly once: its events at the positions and on
    /// the stream its answer named, under one command id that names no other events and no other
    /// answer; every event written under a key is one some answer acknowledged (a retry that wrote a
    /// second time would leave the first write unclaimed); no person acknowledged one version twice
    /// and no account is registered twice. Every command was answered 2xx.
    /// </summary>
    public static void Check(IReadOnlyCollection<Answer> answers, IReadOnlyDictionary<string, List<LedgerEvent>> ledgers, Findings findings)
    {
        foreach (var refused in answers.Where(a => !a.Acknowledged))
        {
            findings.Refused.Add($"{refused.Command.What} at {refused.Command.Urn} (key {refused.Command.Key}) was answered {refused.Status} after {refused.Attempts} attempt(s): {refused.Problem}");
        }
        var byPosition = ledgers.ToDictionary(l => l.Key, l => l.Value.ToDictionary(e => e.Position));
        var byCommand = ledgers.ToDictionary(l => l.Key, l => l.Value.Where(e => e.CommandId is not null).GroupBy(e => e.CommandId!).ToDictionary(g => g.Key, g => g.ToList()));
        var claimed = ledgers.ToDictionary(l => l.Key, _ => new Dictionary<string, Answer>());
        foreach (var answer in answers.Where(a => a.Acknowledged))
        {
            var (urn, result) = (answer.Command.Urn, answer.Result!);
            var said = $"{answer.Command.What} at {urn} (key {answer.Command.Key}, answered {answer.Status}{(result.Replayed ? " replayed" : "")} after {answer.Attempts} attempt(s), positions {string.Join(",", result.Positions)} on {result.StreamId})";
            if (result.Positions.Count == 0)
            {
                findings.Missing.Add($"{said}: the answer names no position");
                continue;
            }
            var found = result.Positions.Select(p => byPosition.GetValueOrDefault(urn)?.GetValueOrDefault(p)).ToList();
            if (found.Any(e => e is null))
            {
                findings.Missing.Add($"{said}: position(s) {string.Join(",", result.Positions.Where((_, i) => found[i] is null))} are not in the ledger");
                continue;
            }
            if (found.Any(e => e!.StreamId != result.StreamId) || found[^1]!.StreamVersion != result.Version)
            {
                findings.Missing.Add($"{said}: the ledger has {string.Join("; ", found.Select(e => $"{e!.Type} on {e.StreamId} v{e.StreamVersion}"))} there");
                continue;
            }
            var commandIds = found.Select(e => e!.CommandId).Distinct().ToList();
            if (commandIds is not [{ } commandId])
            {
                findings.Missing.Add($"{said}: its events carry command id(s) {string.Join(", ", commandIds.Select(c => c ?? "(none)"))}, not the one its key names");
                continue;
            }
            if (claimed[urn].TryGetValue(commandId, out var other))
            {
                findings.Missing.Add($"{said}: the same write was answered to key {other.Command.Key} ({other.Command.What}); one of the two is not in the ledger");
                continue;
            }
            claimed[urn][commandId] = answer;
            var under = byCommand[urn][commandId];
            if (under.Count != result.Positions.Count)
            {
                findings.Duplicates.Add($"{said}: its command id names {under.Count} events, at {string.Join(",", under.Select(e => e.Position))}");
            }
        }
        foreach (var (urn, commands) in byCommand)
        {
            // People write through the API; the operator's `ledger school add` is not a keyed request.
            foreach (var (commandId, events) in commands.Where(c => !claimed[urn].ContainsKey(c.Key) && c.Value.Any(e => e.Actor.StartsWith("person:", StringComparison.Ordinal))))
            {
                findings.Duplicates.Add($"{urn}: {string.Join(", ", events.Select(e => $"{e.Type} at {e.Position} on {e.StreamId}"))} written under command {commandId}, which no acknowledged answer names");
            }
        }
        foreach (var (urn, events) in ledgers)
        {
            foreach (var twice in events.Where(e => e.Type == "policy.acknowledged.v1")
                .GroupBy(e => (Person: Text(e.Data, "personId"), Policy: Text(e.Data, "policyId"), Version: Text(e.Data, "versionLabel"))).Where(g => g.Count() > 1))
            {
                findings.Duplicates.Add($"{urn}: {twice.Key.Person} acknowledged {twice.Key.Policy} version {twice.Key.Version} {twice.Count()} times, at {string.Join(",", twice.Select(e => e.Position))}");
            }
            foreach (var twice in events.Where(e => e.Type == "account.registered.v1")
                .GroupBy(e => (Platform: Text(e.Data, "platform"), Handle: Text(e.Data, "handle"))).Where(g => g.Count() > 1))
            {
                findings.Duplicates.Add($"{urn}: account {twice.Key.Handle} on {twice.Key.Platform} registered {twice.Count()} times, at {string.Join(",", twice.Select(e => e.Position))}");
            }
        }
    }

    static string? Text(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) ? value.ToString() : null;

    /// <summary>Waits until no async projection lags or is paused for any school (<c>GET /api/projections</c>).</summary>
    public static async Task<string?> CaughtUpAsync(LedgerClient client, Member anyone, TimeSpan within, CancellationToken ct)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        string last = "";
        while (waited.Elapsed < within)
        {
            var view = await client.GetAsync(anyone, "/api/projections", ct);
            var behind = view.GetProperty("projections").EnumerateArray()
                .Where(p => p.GetProperty("lagEvents").GetInt64() != 0 || p.GetProperty("tenantsBehind").GetInt32() != 0 || p.GetProperty("paused").GetArrayLength() != 0)
                .ToList();
            if (behind.Count == 0)
            {
                return null;
            }
            last = string.Join("; ", behind.Select(p => p.ToString()));
            await Task.Delay(500, ct);
        }
        return $"the async projections did not catch up within {within.TotalSeconds:0} s of the last write: {last}";
    }

    /// <summary>Every row of every read-model table (schema <c>rm</c>) as JSON, sorted, by table (as the rebuild tests compare them).</summary>
    public static async Task<Dictionary<string, List<string>>> SnapshotAsync(string adminConnectionString, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(adminConnectionString);
        var tables = new List<string>();
        await using (var command = dataSource.CreateCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'rm' ORDER BY 1"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                tables.Add(reader.GetString(0));
            }
        }
        var snapshot = new Dictionary<string, List<string>>();
        foreach (var table in tables)
        {
            await using var command = dataSource.CreateCommand($"SELECT to_jsonb(x)::text AS row FROM rm.\"{table}\" x ORDER BY row");
            var rows = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add(reader.GetString(0));
            }
            snapshot[table] = rows;
        }
        return snapshot;
    }

    /// <summary>Each table whose rows differ, with a row or two of the difference.</summary>
    public static List<string> Differences(Dictionary<string, List<string>> live, Dictionary<string, List<string>> rebuilt)
    {
        var differences = new List<string>();
        foreach (var table in live.Keys.Union(rebuilt.Keys).Order(StringComparer.Ordinal))
        {
            var (a, b) = (live.GetValueOrDefault(table) ?? [], rebuilt.GetValueOrDefault(table) ?? []);
            if (a.SequenceEqual(b))
            {
                continue;
            }
            var onlyLive = a.Except(b).Take(2).ToList();
            var onlyRebuilt = b.Except(a).Take(2).ToList();
            differences.Add($"rm.{table}: live {a.Count} rows, rebuilt {b.Count}; only live: {string.Join(" | ", onlyLive)}; only rebuilt: {string.Join(" | ", onlyRebuilt)}");
        }
        return differences;
    }
}
