using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Verification;

namespace ComplianceLedger.Tests.Verification;

/// <summary>The verifier on its own, over events built in memory: no database needed for its arithmetic.</summary>
public sealed class ChainVerifierTests
{
    static List<StoredEvent> Chain(int count)
    {
        var events = new List<StoredEvent>();
        var previous = ChainHash.Genesis.ToArray();
        var at = new DateTimeOffset(2026, 9, 1, 8, 0, 0, TimeSpan.Zero);
        for (var p = 1; p <= count; p++)
        {
            var id = Guid.CreateVersion7(at);
            var data = $$"""{"n":{{p}}}""";
            var digest = ChainHash.Digest(new EventContent("600001", "s", id, "test.happened.v1", data, "person:x", null, null, null, at));
            var hash = ChainHash.Link(previous, p, p, digest);
            events.Add(new StoredEvent(p, "600001", p, "s", p, id, "test.happened.v1", data, "person:x", null, null, null, at, previous, hash));
            previous = hash;
        }
        return events;
    }

    [Fact]
    public void A_sound_chain_has_no_problems()
    {
        var events = Chain(5);
        var verifier = new ChainVerifier("600001", [], new Dictionary<string, byte[]>());
        events.ForEach(verifier.Add);
        Assert.Empty(verifier.Complete(5, events[^1].Hash));
    }

    [Fact]
    public void A_chain_broken_everywhere_keeps_the_first_problems_and_counts_them_all()
    {
        var events = Chain(ChainVerifier.MaxChainProblemsKept + 500);
        var verifier = new ChainVerifier("600001", [], new Dictionary<string, byte[]>());
        // Every event's data changed: every position fails.
        foreach (var e in events)
        {
            verifier.Add(e with { Data = """{"n":0}""" });
        }
        var problems = verifier.Complete(events.Count, events[^1].Hash);

        Assert.Equal(ChainVerifier.MaxChainProblemsKept, problems.Count);
        Assert.Equal(events.Count, verifier.ProblemsFound);
        Assert.Equal(1, problems[0].Position);
    }
}
