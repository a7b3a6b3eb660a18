using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>Reads fields of event data by their JSON names: projections depend on the ledger format, not on C# types.</summary>
public static class EventJson
{
    public static JsonElement Parse(string data)
    {
        using var document = JsonDocument.Parse(data);
        return document.RootElement.Clone();
    }

    // Several projections read the same event in one batch (facts, then verdicts, then the audit
    // trail): parse it once. A fixed table of recent events by identity, rather than a weak table:
    // weak entries cost the collector a handle each, which a rebuild's million events made visible.
    // Entries are immutable and swapped whole, so concurrent readers never see a torn one.
    const int Recent = 1 << 14;

    static readonly Parsed?[] recent = new Parsed?[Recent];

    sealed class Parsed(ComplianceLedger.EventStore.StoredEvent e, JsonElement value)
    {
        public ComplianceLedger.EventStore.StoredEvent Event { get; } = e;
        public JsonElement Value { get; } = value;
    }

    /// <summary>The event's data, parsed once however many projections read it (while it is recent).</summary>
    public static JsonElement Of(ComplianceLedger.EventStore.StoredEvent e)
    {
        var slot = RuntimeHelpers.GetHashCode(e) & (Recent - 1);
        if (Volatile.Read(ref recent[slot]) is { } hit && ReferenceEquals(hit.Event, e))
        {
            return hit.Value;
        }
        var value = Parse(e.Data);
        Volatile.Write(ref recent[slot], new Parsed(e, value));
        return value;
    }

    public static string Text(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    public static string? OptionalText(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static Guid Id(this JsonElement e, string name) => e.GetProperty(name).GetGuid();

    public static int Number(this JsonElement e, string name) => e.GetProperty(name).GetInt32();

    public static DateOnly Date(this JsonElement e, string name) =>
        DateOnly.ParseExact(e.Text(name), "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly? OptionalDate(this JsonElement e, string name) =>
        e.OptionalText(name) is { } text ? DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null;

    public static DateTimeOffset Instant(this JsonElement e, string name) => e.GetProperty(name).GetDateTimeOffset();

    public static string[] Texts(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Select(v => v.GetString()!)]
            : [];
}
