using System.Globalization;
using System.Text;

namespace ComplianceLedger.Tests.Chain;

/// <summary>
/// Random JSON texts that the ledger accepts, written with random white space and escapes, from
/// pieces chosen to catch canonical-form mistakes: keys whose order by length differs from their
/// order by UTF-8 bytes, characters whose UTF-16 order differs from their UTF-8 order (U+E000…U+FFFF
/// against the astral plane), every control character, quotes, backslashes, slashes, the 64-bit bounds and -0.
/// </summary>
public sealed class JsonValues(int seed)
{
    readonly Random random = new(seed);

    static readonly string[] Keys =
    [
        "", "a", "b", "z", "A", "Z", "aa", "ab", "ba", "zz", "aaa", "key", "ke", "keyId", "k\u00e9y",
        "\u00e9", "e", "\u00e9t\u00e9", "\u20ac", "\u00ff", "\u0100", "\u07ff", "\u0800", "\ue000", "\uffff",
        "\ud83d\ude00", "\ud83d\ude00\ud83d\ude00", "\U0010FFFF", "\u540d\u524d", "\"", "\\", "/", "a b",
        "tab\there", "new\nline", "\u0001", "\u001f", "\u007f", "personId", "policyId", "recordedAt", "on",
    ];

    static readonly string[] Pieces =
    [
        "a", "Z", "0", " ", "policy", "\u00e9", "\u00df", "\u0130", "e\u0301", "\u20ac", "\u00ff", "\u0100",
        "\u07ff", "\u0800", "\u2028", "\u2029", "\ufeff", "\ue000", "\ufffd", "\uffff", "\ud83d\ude00",
        "\ud800\udc00", "\U0010FFFF", "\u540d", "\"", "\\", "/", "\b", "\t", "\n", "\f", "\r", "\u0001",
        "\u0007", "\u000b", "\u000e", "\u001b", "\u001f", "\u007f", "\u0080", "\u009f", "<script>", "'",
    ];

    static readonly long[] Numbers =
    [
        0, 1, -1, 7, 10, 100, -42, 1_000_000, int.MaxValue, int.MinValue, (long)int.MaxValue + 1,
        long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1, 9_007_199_254_740_993,
    ];

    /// <summary>One JSON text: an object or array mostly, sometimes a bare scalar.</summary>
    public string Next()
    {
        var output = new StringBuilder();
        Space(output);
        if (random.Next(10) == 0)
        {
            Scalar(output);
        }
        else if (random.Next(2) == 0)
        {
            Object(output, 1);
        }
        else
        {
            Array(output, 1);
        }
        Space(output);
        return output.ToString();
    }

    /// <summary>A member's or item's value inside a container at <paramref name="depth"/>; containers get rarer and stop at depth 5.</summary>
    void Value(StringBuilder output, int depth)
    {
        switch (random.Next(depth < 5 ? 0 : 2, 8))
        {
            case 0:
                Object(output, depth + 1);
                break;
            case 1:
                Array(output, depth + 1);
                break;
            default:
                Scalar(output);
                break;
        }
    }

    void Scalar(StringBuilder output)
    {
        switch (random.Next(6))
        {
            case 0:
            case 1:
                String(output, Text());
                break;
            case 2:
                Number(output);
                break;
            case 3:
                output.Append("true");
                break;
            case 4:
                output.Append("false");
                break;
            default:
                output.Append("null");
                break;
        }
    }

    void Object(StringBuilder output, int depth)
    {
        var count = random.Next(0, 9);
        // Distinct names (the ledger refuses duplicates), half of them from the tricky set.
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (names.Count < count)
        {
            names.Add(random.Next(2) == 0 ? Keys[random.Next(Keys.Length)] : Text());
        }
        output.Append('{');
        var first = true;
        foreach (var name in names.OrderBy(_ => random.Next()))
        {
            if (!first)
            {
                output.Append(',');
            }
            first = false;
            Space(output);
            String(output, name);
            Space(output);
            output.Append(':');
            Space(output);
            Value(output, depth);
            Space(output);
        }
        output.Append('}');
    }

    void Array(StringBuilder output, int depth)
    {
        var count = random.Next(0, 7);
        output.Append('[');
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                output.Append(',');
            }
            Space(output);
            Value(output, depth);
            Space(output);
        }
        output.Append(']');
    }

    string Text()
    {
        var text = new StringBuilder();
        var pieces = random.Next(0, 6);
        for (var i = 0; i < pieces; i++)
        {
            text.Append(Pieces[random.Next(Pieces.Length)]);
        }
        return text.ToString();
    }

    /// <summary>Writes <paramref name="value"/> as a JSON string, each character raw or escaped at random (where JSON allows both).</summary>
    void String(StringBuilder output, string value)
    {
        output.Append('"');
        var escapeAnyway = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            // A surrogate pair is escaped as a whole or not at all: half raw, half escaped is a lone surrogate.
            if (!char.IsLowSurrogate(c))
            {
                escapeAnyway = random.Next(5) == 0;
            }
            switch (c)
            {
                case '"':
                    output.Append(escapeAnyway ? "\\u0022" : "\\\"");
                    break;
                case '\\':
                    output.Append(escapeAnyway ? "\\u005C" : "\\\\");
                    break;
                case '/':
                    output.Append(escapeAnyway ? "\\/" : "/");
                    break;
                case '\b':
                    output.Append(escapeAnyway ? "\\u0008" : "\\b");
                    break;
                case '\t':
                    output.Append(escapeAnyway ? "\\u0009" : "\\t");
                    break;
                case '\n':
                    output.Append(escapeAnyway ? "\\u000A" : "\\n");
                    break;
                case '\f':
                    output.Append(escapeAnyway ? "\\u000c" : "\\f");
                    break;
                case '\r':
                    output.Append(escapeAnyway ? "\\u000D" : "\\r");
                    break;
                case < ' ':
                    output.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    break;
                default:
                    if (escapeAnyway)
                    {
                        output.Append("\\u").Append(((int)c).ToString(random.Next(2) == 0 ? "x4" : "X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        output.Append(c);
                    }
                    break;
            }
        }
        output.Append('"');
    }

    void Number(StringBuilder output)
    {
        switch (random.Next(6))
        {
            case 0:
                output.Append("-0");
                break;
            case 1:
                output.Append(random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture));
                break;
            default:
                output.Append(Numbers[random.Next(Numbers.Length)].ToString(CultureInfo.InvariantCulture));
                break;
        }
    }

    void Space(StringBuilder output)
    {
        if (random.Next(3) == 0)
        {
            output.Append(" \n\t\r"[random.Next(4)]);
        }
    }
}
