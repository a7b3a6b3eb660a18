using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ComplianceLedger.EventStore.Chain;

/// <summary>
/// The one JSON form that is hashed (docs/ledger-format.md, "Canonical JSON"): no white
/// space, object members sorted by the UTF-8 bytes of their names, minimal string
/// escaping, integers only. It depends on the JSON value alone, so the text PostgreSQL
/// gives back from <c>jsonb</c> canonicalises to the same bytes that were hashed.
/// </summary>
public static class CanonicalJson
{
    public const int MaxDepth = 32;

    /// <summary>Canonicalises <paramref name="json"/>, or throws <see cref="LedgerFormatException"/> saying why it cannot be stored.</summary>
    public static string Canonicalize(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw new LedgerFormatException($"The data is not valid JSON: {e.Message}");
        }
        using (document)
        {
            return Canonicalize(document.RootElement);
        }
    }

    public static string Canonicalize(JsonElement element)
    {
        var output = new StringBuilder();
        Write(element, output, "$");
        return output.ToString();
    }

    static void Write(JsonElement element, StringBuilder output, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new List<(byte[] Key, string Name, JsonElement Value)>();
                foreach (var property in element.EnumerateObject())
                {
                    members.Add((Encoding.UTF8.GetBytes(ReadString(property.Name, path)), property.Name, property.Value));
                }
                members.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
                output.Append('{');
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        if (members[i].Key.AsSpan().SequenceEqual(members[i - 1].Key))
                        {
                            throw new LedgerFormatException($"Duplicate member \"{members[i].Name}\" at {path}.");
                        }
                        output.Append(',');
                    }
                    WriteString(members[i].Name, output);
                    output.Append(':');
                    Write(members[i].Value, output, path + "." + members[i].Name);
                }
                output.Append('}');
                break;
            case JsonValueKind.Array:
                output.Append('[');
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (index > 0)
                    {
                        output.Append(',');
                    }
                    Write(item, output, $"{path}[{index}]");
                    index++;
                }
                output.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(ReadString(element, path), output);
                break;
            case JsonValueKind.Number:
                if (!element.TryGetInt64(out var integer) || element.GetRawText().AsSpan().IndexOfAny('.', 'e', 'E') >= 0)
                {
                    throw new LedgerFormatException(
                        $"The number {element.GetRawText()} at {path} is not a whole number in the 64-bit range; carry other numbers as strings.");
                }
                output.Append(integer.ToString(CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.True:
                output.Append("true");
                break;
            case JsonValueKind.False:
                output.Append("false");
                break;
            case JsonValueKind.Null:
                output.Append("null");
                break;
            default:
                throw new LedgerFormatException($"Unsupported JSON value at {path}.");
        }
    }

    static string ReadString(JsonElement element, string path)
    {
        string value;
        try
        {
            value = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new LedgerFormatException($"The string at {path} is not valid Unicode.");
        }
        return CheckString(value, path);
    }

    static string ReadString(string value, string path) => CheckString(value, path);

    static string CheckString(string value, string path)
    {
        // PostgreSQL text cannot hold U+0000, and a lone surrogate has no UTF-8 form.
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new LedgerFormatException($"The string at {path} contains the NUL character (\\u0000), which cannot be stored.");
        }
        if (HasLoneSurrogate(value))
        {
            throw new LedgerFormatException($"The string at {path} is not valid Unicode.");
        }
        return value;
    }

    static bool HasLoneSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return true;
                }
                i++;
            }
            else if (char.IsLowSurrogate(value[i]))
            {
                return true;
            }
        }
        return false;
    }

    static readonly SearchValues<char> NeedsEscape = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f");

    static void WriteString(string value, StringBuilder output)
    {
        output.Append('"');
        var span = value.AsSpan();
        while (true)
        {
            var next = span.IndexOfAny(NeedsEscape);
            if (next < 0)
            {
                output.Append(span);
                break;
            }
            output.Append(span[..next]);
            var c = span[next];
            output.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
            span = span[(next + 1)..];
        }
        output.Append('"');
    }
}

/// <summary>Input that cannot be put in the ledger as it stands; the message says why, for the caller.</summary>
public sealed class LedgerFormatException(string message) : Exception(message);
