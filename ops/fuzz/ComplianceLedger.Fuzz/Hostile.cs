using System.Text;
using System.Text.Json.Nodes;

namespace ComplianceLedger.Fuzz;

/// <summary>
/// Hostile values, all drawn from the run's one <see cref="Random"/>. Markup carries a unique
/// marker, <c>data-fuzz="N"</c> (N: the request's number), so that a page that renders it as live
/// markup names the request that put it there.
/// </summary>
public sealed class Hostile(Random random)
{
    public const string MarkerAttribute = "data-fuzz";

    public Random Random { get; } = random;

    public T Pick<T>(IReadOnlyList<T> items) => items[Random.Next(items.Count)];

    public bool Chance(double p) => Random.NextDouble() < p;

    /// <summary>Markup an escaping page shows as text and a non-escaping one renders: every form breaks out of a different context.</summary>
    public string Markup(long marker) => Pick<string>(
    [
        $"<i {MarkerAttribute}=\"{marker}\">x</i>",
        $"\"><i {MarkerAttribute}=\"{marker}\">",
        $"'><b {MarkerAttribute}='{marker}'>",
        $"<script {MarkerAttribute}=\"{marker}\">alert(1)</script>",
        $"<img src=x {MarkerAttribute}={marker} onerror=alert(1)>",
        $"\" {MarkerAttribute}=\"{marker}",
        $"' {MarkerAttribute}='{marker}",
        $"</textarea></title><svg {MarkerAttribute}=\"{marker}\"/>",
        $"<a href=\"javascript:alert(1)\" {MarkerAttribute}=\"{marker}\">a</a>",
        $"Ann <u {MarkerAttribute}=\"{marker}\">Lee</u>",
    ]);

    static readonly string[] Texts =
    [
        "", " ", "\t\r\n", "x", "-1", "0", "1e400", "NaN", "Infinity", "true", "null", "[]", "{}", "99999999999999999999",
        "0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "31/02/2026", "2026-09-01T25:61:00Z",
        "00000000-0000-0000-0000-000000000000", "not-a-guid", "' OR 1=1--", "'; DROP TABLE ledger.events;--",
        "$$; SELECT pg_sleep(2); --", "\\'\\\"\\\\", "%00", "%FF%FE", "../../etc/passwd", "..\\..\\", "CON", "\u202Egnp.exe",
        "nul\u0000here", "\uFEFFbom", "\u200B\u200D", "e\u0301\u0301\u0301\u0301", "\U0001F4A9\U0001F600", "\u0645\u0631\u062D\u0628\u0627",
        "\r\nSet-Cookie: fuzz=1", "{{7*7}}", "${7*7}", "@(1+1)", "=cmd|' /C calc'!A0", "\uD800", "\uDFFF", "a\uD83D",
    ];

    /// <summary>A hostile string: confusing text, a long one, or markup carrying the marker.</summary>
    public string Text(long marker)
    {
        var roll = Random.Next(20);
        return roll switch
        {
            < 6 => Markup(marker),
            < 16 => Pick(Texts),
            < 18 => new string((char)('a' + Random.Next(26)), Pick<int>([101, 256, 1001, 4097])),
            18 => new string('z', 100_000),
            _ => string.Concat(Enumerable.Repeat("\u202E<", 2000)),
        };
    }

    /// <summary>A plausible text that carries markup half the time, so accepted writes bring markers onto pages.</summary>
    public string PlausibleText(long marker) => Chance(0.5) ? $"Fuzz {marker} {Markup(marker)}" : $"Fuzz {marker} {Pick<string>(["Ann Lee", "O'Brien", "Zoë Ðorđević", "محمد", "李雷", "A & B <c>"])}";

    /// <summary>A JSON value of the wrong kind for almost any field.</summary>
    public JsonNode? Json(long marker) => Random.Next(16) switch
    {
        0 => null,
        1 => JsonValue.Create(1e308),
        2 => JsonValue.Create(-1),
        3 => JsonValue.Create(long.MaxValue),
        4 => JsonValue.Create(true),
        5 => new JsonObject { ["$ref"] = "#/x", [MarkerAttribute] = marker },
        6 => new JsonArray(1, "two", null),
        7 => new JsonArray(),
        8 => JsonValue.Create(0.5),
        _ => JsonValue.Create(Text(marker)),
    };

    /// <summary>Raw bodies no JSON operation may accept.</summary>
    public string BrokenJson(long marker) => Random.Next(16) switch
    {
        0 => "",
        1 => "null",
        2 => "[]",
        3 => "42",
        4 => "\"text\"",
        5 => "{",
        6 => "{\"a\":1,}",
        7 => "{'a':1}",
        8 => "{\"n\":1e400}",
        9 => "\uFEFF{}",
        10 => new string('[', 5000) + new string(']', 5000),
        11 => string.Concat(Enumerable.Repeat("{\"a\":", 3000)) + "1" + new string('}', 3000),
        12 => "{\"x\":NaN}",
        13 => "/* c */ {}",
        14 => "{\"s\":\"\\ud800\\u0000<i " + MarkerAttribute + "=\\\"" + marker + "\\\">\"}",
        _ => "{\"n\":" + new string('9', 5000) + "}",
    };

    public static readonly string[] Segments =
    [
        "x", "-1", "0", "00000000-0000-0000-0000-000000000000", "%00", "%FF%FE", "..%2F..%2Fledger", "%2e%2e", "%27%20OR%201%3D1--",
        "%E2%80%AE", "%3Ci%3E", new string('9', 3000), "1e400", "%ED%A0%80", "a%2Fb", "%20", "~", "%25", "CON", ";x=1",
    ];

    public static readonly string[] IfMatch =
    [
        "garbage", "\"\"", "\"-1\"", "\"99999999999999999999\"", "W/\"1\"", "*", "\"1\", \"2\"", "\"0\"", "\"1", "\"\u00e9\"", new string('"', 300),
    ];

    /// <summary>An Idempotency-Key no operation should accept, or an odd but valid one.</summary>
    public string IdempotencyKey(long marker) => Random.Next(8) switch
    {
        0 => new string('k', 5000),
        1 => "",
        2 => " ",
        3 => "k\u00e9y",
        4 => $"<i {MarkerAttribute}=\"{marker}\">",
        5 => "fuzz-reused-key",
        _ => NewId().ToString(),
    };

    /// <summary>A random id from the run's seed (not <see cref="System.Guid.NewGuid"/>: the run must repeat).</summary>
    public Guid NewId()
    {
        var bytes = new byte[16];
        Random.NextBytes(bytes);
        return new Guid(bytes);
    }

    /// <summary>A query or form value encoded by hand: percent-encoding of UTF-8, with lone surrogates and bytes that are not UTF-8 sent as they are.</summary>
    public static string Encode(string value)
    {
        var text = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(Uri.EscapeDataString(value.AsSpan(i, 2)));
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                // A lone surrogate in the (invalid) bytes UTF-8 would give it.
                text.Append(c < '\uDC00' ? "%ED%A0%80" : "%ED%BF%BF");
            }
            else
            {
                text.Append(Uri.EscapeDataString(c.ToString()));
            }
        }
        return text.ToString();
    }
}
