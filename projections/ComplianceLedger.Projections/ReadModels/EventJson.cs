using System.Globalization;
using System.Text.Json;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>Reads fields of event data by their JSON names: projections depend on the ledger format, not on C# types.</summary>
public static class EventJson
{
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
