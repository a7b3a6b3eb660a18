using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ComplianceLedger.Fuzz;

/// <summary>
/// What a problem must never say: a .NET type or namespace, the framework's own phrasing, a stack
/// frame, or more than 100 characters of what the request sent (HostileInputTests uses the same).
/// </summary>
public static partial class ProblemWords
{
    [GeneratedRegex(@"ComplianceLedger\.|System\.|Microsoft\.|Nullable<|   at |Did you mean|Failed to bind|Implicit body|could not be converted|Path: \$|LineNumber:")]
    public static partial Regex FrameworkText();

    /// <summary>Why the problem is unspeakable, or null when it is in plain words.</summary>
    /// <param name="sent">What the request carried: its unescaped URL, its body, its header values.</param>
    public static string? Unspeakable(string problem, IEnumerable<string> sent)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(problem);
        }
        catch (JsonException)
        {
            return "is not JSON";
        }
        var strings = new List<string>();
        void Collect(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        strings.Add(key);
                        Collect(value);
                    }
                    break;
                case JsonArray a:
                    a.ToList().ForEach(Collect);
                    break;
                case JsonValue v when v.TryGetValue<string>(out var text):
                    strings.Add(text);
                    break;
            }
        }
        try
        {
            Collect(parsed);
        }
        catch (ArgumentException e)
        {
            // System.Text.Json reads members lazily: a name given twice shows only now.
            return $"repeats a member name: {e.Message}";
        }
        if (strings.FirstOrDefault(t => FrameworkText().IsMatch(t)) is { } leak)
        {
            return $"speaks the framework's words: {Truncate(leak)}";
        }
        foreach (var input in sent.Where(t => t.Length > 100))
        {
            // A window from the start, the middle and the end of each long input.
            foreach (var start in new[] { 0, (input.Length - 101) / 2, input.Length - 101 })
            {
                var window = input.Substring(start, 101);
                if (strings.Any(t => t.Contains(window, StringComparison.Ordinal)))
                {
                    return $"echoes more than 100 characters of the input: {Truncate(window)}";
                }
            }
        }
        return null;
    }

    public static string Truncate(string text, int length = 160) => text.Length > length ? text[..length] + "…" : text;
}
