using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using ComplianceLedger.EventStore;

namespace ComplianceLedger.Api.Ledger;

/// <summary>Marks an event record with its stable, versioned name in the ledger (e.g. <c>policy.acknowledged.v1</c>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class EventTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// The event types the ledger accepts, found by <see cref="EventTypeAttribute"/>. Names are
/// part of the ledger format, so a record may be renamed in C# but its event name never changes.
/// </summary>
public static class EventTypes
{
    static readonly Dictionary<string, Type> ByName = typeof(EventTypes).Assembly.GetTypes()
        .Select(t => (Type: t, Attribute: t.GetCustomAttribute<EventTypeAttribute>()))
        .Where(x => x.Attribute is not null)
        .ToDictionary(x => x.Attribute!.Name, x => x.Type, StringComparer.Ordinal);

    /// <summary>Strict: unknown members, missing required members and nulls in non-nullable members are refused.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    static readonly Dictionary<Type, string> NameByType = ByName.ToDictionary(x => x.Value, x => x.Key);

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    /// <summary>The stable ledger name of an event record.</summary>
    public static string NameOf(Type type) => NameByType.TryGetValue(type, out var name)
        ? name
        : throw new InvalidOperationException($"{type.Name} has no [EventType] name.");

    /// <summary>An event record as the store takes it: its stable name and JSON data.</summary>
    public static NewEvent ToNewEvent(object @event) =>
        new(NameOf(@event.GetType()), JsonSerializer.Serialize(@event, @event.GetType(), Json));

    /// <summary>A stored event as its record, or null for a type this code does not know (e.g. a newer version).</summary>
    public static object? FromStored(StoredEvent stored) =>
        ByName.TryGetValue(stored.EventType, out var type) ? JsonSerializer.Deserialize(stored.Data, type, Json) : null;

    /// <summary>Null when the data fits the named type; otherwise why not.</summary>
    public static string? Validate(string name, JsonElement data)
    {
        if (!ByName.TryGetValue(name, out var type))
        {
            return $"Unknown event type \"{name}\". Known types: {string.Join(", ", ByName.Keys.Order(StringComparer.Ordinal))}.";
        }
        try
        {
            return data.Deserialize(type, Json) is null ? $"The data of a {name} event cannot be null." : null;
        }
        catch (JsonException e)
        {
            return $"The data does not fit {name}: {e.Message}";
        }
    }
}
