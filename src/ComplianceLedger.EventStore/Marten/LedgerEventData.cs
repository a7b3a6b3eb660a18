using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComplianceLedger.EventStore.Marten;

/// <summary>
/// An event's data as the ledger validated it: canonical JSON, written to Marten's <c>data</c>
/// column unchanged. The ledger appends events by their stable names (<c>policy.acknowledged.v1</c>),
/// not by C# types, so every event travels in this one wrapper and the store sets each one's
/// <c>type</c> to its own name (<see cref="LedgerStore"/>). <see cref="MartenName"/> is only the
/// wrapper's registration; no stored event has it.
/// </summary>
[JsonConverter(typeof(Converter))]
public sealed record LedgerEventData(string Json)
{
    public const string MartenName = "ledger.event-data";

    /// <summary>What Marten records as the events' .NET type (not hashed); the importer writes the same.</summary>
    public static readonly string DotNetTypeName = $"{typeof(LedgerEventData).FullName}, {typeof(LedgerEventData).Assembly.GetName().Name}";

    sealed class Converter : JsonConverter<LedgerEventData>
    {
        public override LedgerEventData Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return new LedgerEventData(document.RootElement.GetRawText());
        }

        public override void Write(Utf8JsonWriter writer, LedgerEventData value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Json, skipInputValidation: true);
    }
}
