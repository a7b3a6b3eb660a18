using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.Chain;

/// <summary>
/// <c>ledger.canonical_json</c> (migration 030) writes the same bytes as <see cref="CanonicalJson"/>,
/// so a digest the database computes from a stored row equals the one the app computed at append.
/// </summary>
public sealed class CanonicalJsonInSqlTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    // The vectors of CanonicalJsonTests and docs/ledger-format.md, and the edges jsonb treats specially.
    public static TheoryData<string> Vectors =>
    [
        """{ "b": 1, "a": 2 }""",
        """{"a":{"d":[3, 2, 1],"c":"x"}}""",
        """["\u0041\u00e9\u20ac\ud83d\ude00"]""",
        """["tab\tquote\"slash\/back\\ctl\u001f"]""",
        """[-0, 0, 9223372036854775807, -9223372036854775808]""",
        """{"z":null,"y":true,"x":false}""",
        """{"é":1,"a":2,"Z":3}""",
        """{ "b": 1, "a": ["x\ny", true] }""",
        // jsonb orders keys by length first: "b" before "aa"; the canonical form has "aa" first.
        """{"b":1,"aa":2,"":3,"ab":{"c":[],"bb":{}}}""",
        // UTF-16 puts U+1F600 (a surrogate pair) before U+FFFF; UTF-8 bytes put it after.
        """{"\ud83d\ude00":1,"\uffff":2,"\ue000":3,"\u0800":4,"\u07ff":5,"\u0080":6,"\u007f":7}""",
        """["\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u007f"]""",
        """{"\"\\\/\b":"\u2028\u2029\ufeff"}""",
        """{}""", """[]""", """[{}, [], {"a":[]}]""", "\"just a string\"", "42", "-0", "true", "null",
        "[" + new string('[', 31) + "1" + new string(']', 31) + "]",
    ];

    [Theory]
    [MemberData(nameof(Vectors))]
    public async Task The_database_writes_the_canonical_form_the_app_writes(string json)
    {
        var (canonical, _) = (await CanonicaliseInSqlAsync([json]))[0];
        Assert.Equal(CanonicalJson.Canonicalize(json), canonical);
    }

    [Fact]
    public async Task The_database_and_the_app_agree_on_thousands_of_generated_values_byte_for_byte()
    {
        var values = new JsonValues(seed: 20261207);
        var inputs = Enumerable.Range(0, 4000).Select(_ => values.Next()).ToList();

        var fromSql = await CanonicaliseInSqlAsync(inputs);

        for (var i = 0; i < inputs.Count; i++)
        {
            var expected = CanonicalJson.Canonicalize(inputs[i]);
            if (fromSql[i].Canonical != expected)
            {
                Assert.Fail($"Value {i} canonicalises differently.\ninput: {inputs[i]}\napp:   {expected}\nsql:   {fromSql[i].Canonical}");
            }
            // The verifier canonicalises the text PostgreSQL hands back; that too is the same.
            Assert.Equal(expected, CanonicalJson.Canonicalize(fromSql[i].Stored));
        }
    }

    [Theory]
    [InlineData("""[1.5]""")]
    [InlineData("""[1.0]""")]
    [InlineData("""[-0.0]""")]
    [InlineData("""{"a":{"b":[0.25]}}""")]
    [InlineData("""[15e-1]""")]
    [InlineData("""[9223372036854775808]""")]
    [InlineData("""[-9223372036854775809]""")]
    [InlineData("""[92233720368547758070]""")]
    [InlineData("""{"amount":1E400}""")]
    [InlineData("12.5")]
    public async Task A_number_the_app_refuses_is_refused_by_the_database_with_the_ledgers_code(string json)
    {
        Assert.Throws<LedgerFormatException>(() => CanonicalJson.Canonicalize(json));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => CanonicaliseInSqlAsync([json]));
        Assert.Equal("LDG04", refused.SqlState);
        Assert.Contains("not a whole number in the 64-bit range", refused.MessageText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(33, "[", "]")]
    [InlineData(33, """{"a":""", "}")]
    [InlineData(40, """[{"a":""", "}]")]
    public async Task Nesting_deeper_than_the_apps_limit_is_refused_by_the_database(int depth, string open, string close)
    {
        var json = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
        Assert.Throws<LedgerFormatException>(() => CanonicalJson.Canonicalize(json));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => CanonicaliseInSqlAsync([json]));
        Assert.Equal("LDG04", refused.SqlState);
        Assert.Contains("deeper than 32", refused.MessageText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""["a\u0000b"]""")]
    [InlineData("""{"\u0000":1}""")]
    [InlineData("""["\ud800"]""")]
    [InlineData("""["\udc00x"]""")]
    [InlineData("""{"a":""")]
    [InlineData("")]
    public async Task Text_the_app_refuses_cannot_become_jsonb_at_all(string json)
    {
        Assert.Throws<LedgerFormatException>(() => CanonicalJson.Canonicalize(json));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => CanonicaliseInSqlAsync([json]));
        Assert.StartsWith("22", refused.SqlState, StringComparison.Ordinal);
    }

    // jsonb keeps values, not text: a repeated name keeps its last value and an exponent becomes
    // digits before any function sees them. The app refuses both texts at append; a row that got
    // in another way is hashed as stored, and the verifier, reading the stored text, agrees.
    [Theory]
    [InlineData("""{"a":1,"a":2}""", """{"a":2}""")]
    [InlineData("""[1e3, 1.5e1, 2E0]""", """[1000,15,2]""")]
    public async Task What_jsonb_does_not_keep_is_canonicalised_as_stored(string json, string expected)
    {
        Assert.Throws<LedgerFormatException>(() => CanonicalJson.Canonicalize(json));
        var (canonical, stored) = (await CanonicaliseInSqlAsync([json]))[0];
        Assert.Equal(expected, canonical);
        Assert.Equal(expected, CanonicalJson.Canonicalize(stored));
    }

    /// <summary>Each text cast to jsonb and canonicalised by the database, with jsonb's own text of it.</summary>
    async Task<List<(string Canonical, string Stored)>> CanonicaliseInSqlAsync(List<string> inputs)
    {
        await using var command = db.AppDataSource.CreateCommand("""
            SELECT ledger.canonical_json(j::jsonb), j::jsonb::text
              FROM unnest($1::text[]) WITH ORDINALITY AS u(j, i)
             ORDER BY i
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = inputs.ToArray() });
        await using var reader = await command.ExecuteReaderAsync();
        var results = new List<(string, string)>();
        while (await reader.ReadAsync())
        {
            results.Add((reader.GetString(0), reader.GetString(1)));
        }
        Assert.Equal(inputs.Count, results.Count);
        return results;
    }
}
