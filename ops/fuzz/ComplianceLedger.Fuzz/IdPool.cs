using System.Text.Json.Nodes;

namespace ComplianceLedger.Fuzz;

/// <summary>
/// Ids the app has handed out (in JSON answers, Location headers and page links), by the name of
/// the parameter they fill, so that well-formed requests reach real records. The signed-in members'
/// own ids are never used to write to (the fuzz would otherwise have them leave the school).
/// </summary>
sealed class IdPool(IEnumerable<Guid> members)
{
    readonly Dictionary<string, List<string>> byName = new(StringComparer.OrdinalIgnoreCase);
    readonly HashSet<string> seen = new(StringComparer.Ordinal);
    readonly HashSet<string> guarded = members.Select(m => m.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);

    public bool Guarded(string text) => guarded.Any(g => text.Contains(g, StringComparison.OrdinalIgnoreCase));

    public void Add(string name, string value)
    {
        if (value.Length is 0 or > 80 || !seen.Add($"{name}\n{value}"))
        {
            return;
        }
        if (!byName.TryGetValue(name, out var values))
        {
            byName[name] = values = [];
        }
        // Bounded: the newest matter most (a fuzzed record is found by what was just written).
        if (values.Count >= 200)
        {
            values.RemoveAt(0);
        }
        values.Add(value);
    }

    public string? Pick(Hostile hostile, string name, bool writes)
    {
        var candidates = (byName.GetValueOrDefault(name) ?? byName.GetValueOrDefault(name.EndsWith("Id", StringComparison.Ordinal) ? "id" : name) ?? [])
            .Where(v => !writes || !guarded.Contains(v)).ToList();
        if (name.Equals("personId", StringComparison.OrdinalIgnoreCase) && !writes && guarded.Count > 0 && hostile.Chance(0.3))
        {
            return hostile.Pick(guarded.ToList());
        }
        return candidates.Count == 0 || hostile.Chance(0.1) ? null : hostile.Pick(candidates);
    }

    /// <summary>Every string under a name ending in "id" (or a known label) in a JSON answer.</summary>
    public void Harvest(JsonNode? node, string? name = null)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    Harvest(value, key);
                }
                break;
            case JsonArray a:
                foreach (var item in a.Take(50))
                {
                    Harvest(item, name);
                }
                break;
            case JsonValue v when name is not null && v.TryGetValue<string>(out var text)
                && (name.EndsWith("id", StringComparison.OrdinalIgnoreCase) || name is "versionLabel" or "label" or "version" or "streamId"):
                Add(name is "label" or "version" ? "versionLabel" : name, text);
                break;
        }
    }

    static readonly Dictionary<string, string> Collections = new(StringComparer.Ordinal)
    {
        ["people"] = "personId",
        ["policies"] = "policyId",
        ["exceptions"] = "id",
        ["my-requests"] = "id",
        ["accounts"] = "accountId",
        ["official-accounts"] = "accountId",
        ["evidence-packs"] = "packId",
        ["evidence-pack"] = "packId",
        ["receipts"] = "eventId",
        ["streams"] = "streamId",
        ["versions"] = "versionLabel",
        ["custodians"] = "personId",
        ["trusts"] = "trustId",
    };

    /// <summary>The ids in a path such as /schools/1/people/{id}: the segment after a collection's name.</summary>
    public void HarvestPath(string path)
    {
        var segments = path.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 1; i < segments.Length; i++)
        {
            if (Collections.TryGetValue(segments[i - 1], out var name) && segments[i] is not ("new" or "items"))
            {
                Add(name, Uri.UnescapeDataString(segments[i]));
            }
        }
    }
}
