using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Import;
using ComplianceLedger.EventStore.Verification;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.EventStore;

public sealed class BulkImportTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    static readonly DateTimeOffset Start = new(2026, 9, 1, 8, 30, 0, TimeSpan.Zero);
    static readonly IReadOnlyDictionary<string, byte[]> NoKeys = new Dictionary<string, byte[]>();

    static ImportEvent Acknowledgement(string stream, int n, string? commandId = null) => new(
        stream, "person",
        new NewEvent("policy.acknowledged.v1", $$"""{"policyId":"social-media","version":"{{n}}","person":"{{stream}}"}"""),
        new EventMetadata("person:importer", CorrelationId: $"import-{n}", CommandId: commandId),
        Start.AddSeconds(n).AddTicks(7));

    static List<ImportEvent> Acknowledgements(int count, int streams, int from = 0) =>
        [.. Enumerable.Range(from, count).Select(n => Acknowledgement($"person-{n % streams}", n))];

    BulkImporter Importer() => new(db.AppDataSource);

    async Task AssertVerifiesAsync(string tenant, long events)
    {
        var result = await new LedgerVerifier(db.AppDataSource).VerifyTenantAsync(tenant, NoKeys);
        Assert.Empty(result.Problems);
        Assert.Equal(events, result.EventsChecked);
    }

    [Fact]
    public async Task Imported_events_form_a_chain_that_verifies()
    {
        const string tenant = "200001";
        var result = await Importer().ImportAsync(tenant, Acknowledgements(500, 37));

        Assert.Equal(500, result.EventCount);
        Assert.Equal(1, result.FirstChainPosition);
        Assert.Equal(500, result.HeadPosition);
        Assert.Equal(37, result.StreamsCreated);
        Assert.Equal(500, await db.CountEventsAsync(tenant));
        await AssertVerifiesAsync(tenant, 500);
        Assert.Equal(14, await db.Store().GetStreamVersionAsync(tenant, "person-0"));
        Assert.Equal(13, await db.Store().GetStreamVersionAsync(tenant, "person-36"));
    }

    [Fact]
    public async Task An_import_continues_a_chain_that_normal_appends_started()
    {
        const string tenant = "200002";
        var store = db.Store();
        for (var i = 0; i < 5; i++)
        {
            await store.AppendAsync(new AppendRequest(tenant, $"earlier-{i}", "person", ExpectedVersion.Any,
                [new NewEvent("policy.acknowledged.v1", """{"policyId":"social-media"}""")], new EventMetadata("person:test")));
        }

        var result = await Importer().ImportAsync(tenant, Acknowledgements(100, 10));

        Assert.Equal(6, result.FirstChainPosition);
        Assert.Equal(105, result.HeadPosition);
        await AssertVerifiesAsync(tenant, 105);
    }

    [Fact]
    public async Task Appends_after_an_import_continue_its_chain()
    {
        const string tenant = "200003";
        var imported = await Importer().ImportAsync(tenant, Acknowledgements(50, 5));

        var appended = await db.Store().AppendAsync(new AppendRequest(tenant, "person-0", "person", ExpectedVersion.Exactly(10),
            [new NewEvent("policy.acknowledged.v1", """{"policyId":"social-media"}""")], new EventMetadata("person:test")));

        Assert.Equal(imported.HeadPosition + 1, appended.Events[0].ChainPosition);
        Assert.Equal(11, appended.StreamVersion);
        await AssertVerifiesAsync(tenant, 51);
    }

    [Fact]
    public async Task Importing_into_an_existing_stream_continues_its_versions()
    {
        const string tenant = "200004";
        var store = db.Store();
        await store.AppendAsync(new AppendRequest(tenant, "person-a", "person", ExpectedVersion.NoStream,
            [new NewEvent("policy.acknowledged.v1", """{"n":1}"""), new NewEvent("policy.acknowledged.v1", """{"n":2}""")],
            new EventMetadata("person:test")));

        var result = await Importer().ImportAsync(tenant,
            [Acknowledgement("person-a", 3), Acknowledgement("person-b", 4), Acknowledgement("person-a", 5)]);

        Assert.Equal((1, 1), (result.StreamsCreated, result.StreamsExtended));
        Assert.Equal(4, await store.GetStreamVersionAsync(tenant, "person-a"));
        Assert.Equal(1, await store.GetStreamVersionAsync(tenant, "person-b"));
        var stream = await store.ReadStreamAsync(tenant, "person-a").ToListAsync();
        Assert.Equal([1L, 2, 3, 4], stream.Select(e => e.StreamVersion));
        Assert.Equal([1L, 2, 3, 5], stream.Select(e => e.ChainPosition));
        await AssertVerifiesAsync(tenant, 5);
    }

    [Fact]
    public async Task An_import_writes_the_same_bytes_as_appending_each_event()
    {
        const string tenant = "200005";
        var events = Acknowledgements(30, 4)
            .Select(e => e with { Event = e.Event with { EventId = Guid.CreateVersion7(e.RecordedAt) } })
            .ToList();

        await Importer().ImportAsync(tenant, events);

        var other = new LedgerDatabase();
        await other.InitializeAsync();
        try
        {
            var time = new FixedTime(Start);
            var store = other.Store(time);
            foreach (var e in events)
            {
                time.Now = e.RecordedAt;
                await store.AppendAsync(new AppendRequest(tenant, e.StreamId, e.StreamType, ExpectedVersion.Any, [e.Event], e.Metadata));
            }

            var imported = await db.Store().ReadTenantAsync(tenant).ToListAsync();
            var appended = await other.Store().ReadTenantAsync(tenant).ToListAsync();
            Assert.Equal(30, imported.Count);
            Assert.Equal(
                appended.Select(e => (e.ChainPosition, e.StreamId, e.StreamVersion, e.EventId, e.Data, e.RecordedAt, Convert.ToHexString(e.PreviousHash), Convert.ToHexString(e.Hash))),
                imported.Select(e => (e.ChainPosition, e.StreamId, e.StreamVersion, e.EventId, e.Data, e.RecordedAt, Convert.ToHexString(e.PreviousHash), Convert.ToHexString(e.Hash))));
        }
        finally
        {
            await other.DisposeAsync();
        }
    }

    [Fact]
    public async Task Bad_input_anywhere_in_an_import_writes_nothing()
    {
        const string tenant = "200006";
        var events = Acknowledgements(100, 10);
        events[73] = events[73] with { Event = new NewEvent("policy.acknowledged.v1", """{"amount":1.5}""") };

        var error = await Assert.ThrowsAsync<LedgerFormatException>(() => Importer().ImportAsync(tenant, events));

        Assert.StartsWith("Import event 74:", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await db.CountEventsAsync(tenant));
        Assert.Empty(await new LedgerVerifier(db.AppDataSource).TenantsAsync(tenant));

        events[73] = events[73] with { StreamId = "not a stream id" };
        await Assert.ThrowsAsync<LedgerFormatException>(() => Importer().ImportAsync(tenant, events));
        events[73] = events[73] with { StreamId = "person-3", Event = new NewEvent("PolicyAcknowledged", "{}") };
        await Assert.ThrowsAsync<LedgerFormatException>(() => Importer().ImportAsync(tenant, events));
        await Assert.ThrowsAsync<LedgerFormatException>(() => Importer().ImportAsync("not a tenant!", Acknowledgements(3, 1)));
        Assert.Equal(0, await db.CountEventsAsync(tenant));
    }

    [Fact]
    public async Task A_command_id_already_in_the_ledger_fails_the_whole_import_and_leaves_the_chain_as_it_was()
    {
        const string tenant = "200007";
        var store = db.Store();
        await store.AppendAsync(new AppendRequest(tenant, "person-1", "person", ExpectedVersion.Any,
            [new NewEvent("policy.acknowledged.v1", "{}")], new EventMetadata("person:test", CommandId: "cmd-taken")));
        var events = Acknowledgements(20, 3);
        events.Add(Acknowledgement("person-1", 99, commandId: "cmd-taken"));

        await Assert.ThrowsAsync<CommandIdReusedException>(() => Importer().ImportAsync(tenant, events));

        Assert.Equal(1, await db.CountEventsAsync(tenant));
        Assert.Equal(1, await store.GetStreamVersionAsync(tenant, "person-1"));
        await AssertVerifiesAsync(tenant, 1);
    }

    [Fact]
    public async Task An_imported_command_id_makes_a_later_retry_of_that_append_a_replay()
    {
        const string tenant = "200008";
        var events = new List<ImportEvent>
        {
            Acknowledgement("person-1", 1, commandId: "cmd-1"),
            Acknowledgement("person-1", 2, commandId: "cmd-1"),
            Acknowledgement("person-2", 3, commandId: "cmd-2"),
        };
        await Importer().ImportAsync(tenant, events);

        var retry = await db.Store().AppendAsync(new AppendRequest(tenant, "person-1", "person", ExpectedVersion.NoStream,
            [new NewEvent("policy.acknowledged.v1", "{}")], new EventMetadata("person:importer", CommandId: "cmd-1")));

        Assert.True(retry.Replayed);
        Assert.Equal([1L, 2], retry.Events.Select(e => e.ChainPosition));
        Assert.Equal(3, await db.CountEventsAsync(tenant));
    }

    [Fact]
    public async Task A_command_id_split_over_streams_or_interrupted_is_refused()
    {
        const string tenant = "200009";
        await Assert.ThrowsAsync<CommandIdReusedException>(() => Importer().ImportAsync(tenant,
            [Acknowledgement("person-1", 1, "cmd-1"), Acknowledgement("person-2", 2, "cmd-1")]));
        await Assert.ThrowsAsync<LedgerFormatException>(() => Importer().ImportAsync(tenant,
            [Acknowledgement("person-1", 1, "cmd-1"), Acknowledgement("person-1", 2), Acknowledgement("person-1", 3, "cmd-1")]));
        Assert.Equal(0, await db.CountEventsAsync(tenant));
    }

    [Fact]
    public async Task An_empty_import_writes_nothing()
    {
        var result = await Importer().ImportAsync("200010", []);
        Assert.Equal(0, result.EventCount);
        Assert.Equal(ChainHash.Genesis.ToArray(), result.HeadHash);
        Assert.Empty(await new LedgerVerifier(db.AppDataSource).TenantsAsync("200010"));
    }
}
