using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.Tests.Chain;

public sealed class CanonicalJsonTests
{
    [Theory]
    [InlineData("""{ "b": 1, "a": 2 }""", """{"a":2,"b":1}""")]
    [InlineData("""{"a":{"d":[3, 2, 1],"c":"x"}}""", """{"a":{"c":"x","d":[3,2,1]}}""")]
    [InlineData("""["\u0041\u00e9\u20ac\ud83d\ude00"]""", "[\"Aé€😀\"]")]
    [InlineData("""["tab\tquote\"slash\/back\\ctl\u001f"]""", """["tab\tquote\"slash/back\\ctl\u001f"]""")]
    [InlineData("""[-0, 0, 9223372036854775807, -9223372036854775808]""", """[0,0,9223372036854775807,-9223372036854775808]""")]
    [InlineData("""{"z":null,"y":true,"x":false}""", """{"x":false,"y":true,"z":null}""")]
    // Sorted by UTF-8 bytes: "Z" (0x5A) < "a" (0x61) < "é" (0xC3 0xA9).
    [InlineData("""{"é":1,"a":2,"Z":3}""", """{"Z":3,"a":2,"é":1}""")]
    public void Canonical_form_depends_only_on_the_value(string input, string expected) =>
        Assert.Equal(expected, CanonicalJson.Canonicalize(input));

    [Theory]
    [InlineData("""{"a":1,"a":2}""", "Duplicate")]
    [InlineData("""[1.5]""", "whole number")]
    [InlineData("""[1e3]""", "whole number")]
    [InlineData("""[1.0]""", "whole number")]
    [InlineData("""[92233720368547758070]""", "whole number")]
    [InlineData("""["a\u0000b"]""", "NUL")]
    [InlineData("""["\ud800"]""", "Unicode")]
    [InlineData("""{"a":""", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    public void Values_the_ledger_cannot_hash_faithfully_are_refused(string input, string reason)
    {
        var refused = Assert.Throws<LedgerFormatException>(() => CanonicalJson.Canonicalize(input));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused() =>
        Assert.Throws<LedgerFormatException>(() => CanonicalJson.Canonicalize(new string('[', 40) + new string(']', 40)));
}
