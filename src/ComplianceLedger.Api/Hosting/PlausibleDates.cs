using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComplianceLedger.Api.Hosting;

/// <summary>
/// Dates in request bodies lie between 1900 and 2199. Anything outside is a slip of the keyboard
/// (0001-01-01, 0202 for 2020, 9999-12-31 as "never"), which would show on a governor's dashboard
/// as nonsense or overflow date arithmetic such as a review due a cycle after the effective date.
/// </summary>
public static class PlausibleDates
{
    public static readonly DateOnly Earliest = new(1900, 1, 1);
    public static readonly DateOnly Latest = new(2199, 12, 31);

    static string Refusal => $"Dates must lie between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}.";

    static bool Plausible(DateOnly date) => date >= Earliest && date <= Latest;

    public sealed class DateConverter : JsonConverter<DateOnly>
    {
        public override DateOnly Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String
                || !DateOnly.TryParseExact(reader.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw new JsonException("A date is written as yyyy-MM-dd, such as 2026-09-01.");
            }
            return Plausible(date) ? date : throw new JsonException(Refusal);
        }

        public override void Write(Utf8JsonWriter writer, DateOnly value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    public sealed class InstantConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var instant))
            {
                throw new JsonException("A time is written in ISO 8601 with its offset, such as 2026-09-01T09:00:00Z.");
            }
            return Plausible(DateOnly.FromDateTime(instant.UtcDateTime)) ? instant : throw new JsonException(Refusal);
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
