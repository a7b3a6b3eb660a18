using System.Security.Cryptography;
using System.Text;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.EventStore;

/// <summary>Recomputes stored hashes from docs/ledger-format.md alone, without the store's own hashing code.</summary>
public sealed class LedgerFormatTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    static byte[] Field(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var length = new byte[] { (byte)(bytes.Length >> 24), (byte)(bytes.Length >> 16), (byte)(bytes.Length >> 8), (byte)bytes.Length };
        return [.. length, .. bytes];
    }

    static byte[] BigEndian64(long n) => [.. Enumerable.Range(0, 8).Select(i => (byte)(n >> (56 - 8 * i)))];

    [Fact]
    public async Task A_stored_chain_recomputes_from_the_published_format()
    {
        var time = new FixedTime(new DateTimeOffset(2026, 9, 1, 8, 30, 0, TimeSpan.Zero).AddTicks(1234567));
        var store = db.Store(time);
        // Members out of order, white space and an escaped newline: the canonical form is fixed by the doc.
        await store.AppendAsync(new AppendRequest("400001", "person-7", "person", ExpectedVersion.NoStream,
            [new NewEvent("policy.acknowledged.v1", """{ "b": 1, "a": ["x\ny", true], "é": null }""")],
            new EventMetadata("person:office", CommandId: "cmd-1")));
        time.Now = time.Now.AddMinutes(1);
        await store.AppendAsync(new AppendRequest("400001", "person-7", "person", ExpectedVersion.Exactly(1),
            [new NewEvent("policy.acknowledged.v1", """{"n":-42}""")],
            new EventMetadata("person:office", "corr", "cause")));

        var events = await store.ReadTenantAsync("400001").ToListAsync();
        var canonical = new[] { "{\"a\":[\"x\\ny\",true],\"b\":1,\"é\":null}", "{\"n\":-42}" };
        var previous = new byte[32];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            byte[] content = [
                .. Field("compliance-ledger/event/v1"), .. Field(e.Tenant), .. Field(e.StreamId), .. Field(e.EventId.ToString()),
                .. Field(e.EventType), .. Field(canonical[i]), .. Field(e.Actor), .. Field(e.CorrelationId ?? ""),
                .. Field(e.CausationId ?? ""), .. Field(e.CommandId ?? ""),
                .. Field(e.RecordedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture)),
            ];
            var expected = SHA256.HashData([.. previous, .. BigEndian64(e.ChainPosition), .. BigEndian64(e.StreamVersion), .. SHA256.HashData(content)]);

            Assert.Equal(previous, e.PreviousHash);
            Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(e.Hash));
            previous = expected;
        }
        Assert.Equal("2026-09-01T08:30:00.123456Z",
            events[0].RecordedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
    }
}
