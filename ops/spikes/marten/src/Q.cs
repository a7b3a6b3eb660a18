using System.Diagnostics;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Events;
using Marten.Services;
using Npgsql;

namespace Spike;

public static class Q
{
    static void Say(string s) => Console.WriteLine(s);
    static string NewStream() => "person-" + Guid.CreateVersion7();

    public static async Task Verify(string label)
    {
        var rows = await Setup.Query("ledger_owner", """
            with d as (select e.tenant_id, c.chain_position, e.version, c.prev_hash, c.hash, ledger.event_digest(e) dg
                         from marten.mt_events e left join ledger.chain c on c.seq_id = e.seq_id),
                 w as (select d.*, row_number() over w rn, lag(hash) over w lag_hash from d
                        window w as (partition by tenant_id order by chain_position))
            select count(distinct tenant_id), count(*),
                   count(*) filter (where chain_position is null or chain_position <> rn) gaps,
                   count(*) filter (where prev_hash is distinct from coalesce(lag_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)) broken,
                   count(*) filter (where hash is distinct from sha256(prev_hash || int8send(chain_position) || int8send(version) || dg)) badhash
              from w
            """);
        var r = rows[0];
        Say($"  verify[{label}]: tenants={r[0]} events={r[1]} gaps={r[2]} broken_links={r[3]} bad_hashes={r[4]}");
    }

    public static async Task Q1()
    {
        Say("== Q1 configuration");
        using var store = Cfg.Store("ledger_app");
        var stream = NewStream();
        await using (var s = store.LightweightSession("100001"))
        {
            s.CorrelationId = "corr-1"; s.CausationId = "cause-1"; s.LastModifiedBy = "person:0190aaaa";
            s.SetHeader("commandId", "key:" + new string('a', 64));
            s.Events.StartStream<Person>(stream, new PersonRegistered("person-0190aaaa", "governor"),
                new PolicyAcknowledged("person-0190aaaa", "policy-0190bbbb", 3));
            await s.SaveChangesAsync();
        }
        var rows = await Setup.Query("ledger_owner", $"select tenant_id, stream_id, version, type, data::text, mt_dotnet_type, correlation_id, causation_id, headers::text, user_name, (select chain_position from ledger.chain c where c.seq_id=e.seq_id) from marten.mt_events e where stream_id='{stream}' order by version");
        foreach (var r in rows) Say("  row: " + string.Join(" | ", r.Select(x => x is byte[] b ? Convert.ToHexString(b) : x?.ToString())));
        var st = await Setup.Query("ledger_owner", $"select id, type, version, tenant_id from marten.mt_streams where id='{stream}'");
        Say("  stream: " + string.Join(" | ", st[0]));
        await using var q = store.QuerySession("100001");
        var evs = await q.Events.FetchStreamAsync(stream);
        Say($"  FetchStreamAsync: {evs.Count} events, first data type {evs[0].Data.GetType().Name}, EventTypeName={evs[1].EventTypeName}, header commandId={evs[0].GetHeader("commandId")}, user={evs[0].UserName}");
        await using var other = store.QuerySession("100002");
        Say($"  other tenant sees {(await other.Events.FetchStreamAsync(stream)).Count} events");
    }

    public static async Task Q2()
    {
        Say("== Q2 timestamps");
        var fixedAt = new DateTimeOffset(2025, 9, 1, 8, 30, 0, TimeSpan.Zero).AddTicks(1234567);
        foreach (var mode in new[] { EventAppendMode.QuickWithServerTimestamps, EventAppendMode.Rich })
        {
            using var store = Cfg.Store("ledger_app", mode);
            var stream = NewStream();
            await using (var s = store.LightweightSession("100001"))
            {
                var a = s.Events.StartStream<Person>(stream, new PersonRegistered("p", "staff"));
                a.Events[0].Timestamp = fixedAt;
                s.Events.Append(stream, new PolicyAcknowledged("p", "x", 1).AsEvent().AtTimestamp(fixedAt.AddMinutes(1)));
                await s.SaveChangesAsync();
                // appending to an existing stream takes another code path (mt_quick_append_events in Quick)
                s.Events.Append(stream, new PolicyAcknowledged("p", "x", 2).AsEvent().AtTimestamp(fixedAt.AddMinutes(2)));
                await s.SaveChangesAsync();
            }
            var rows = await Setup.Query("ledger_owner", $"select to_char(timestamp at time zone 'UTC','YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') from marten.mt_events where stream_id='{stream}' order by version");
            Say($"  {mode}: wanted {fixedAt:O} / +1min / +2min (existing stream) -> stored {string.Join(", ", rows.Select(r => r[0]))}");
        }
        // a simulated clock for the whole store
        var clock = new SimClock(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero));
        using (var store = Cfg.Store("ledger_app", EventAppendMode.QuickWithServerTimestamps, more: o => o.Events.TimeProvider = clock))
        {
            var stream = NewStream();
            await using var s = store.LightweightSession("100001");
            s.Events.StartStream<Person>(stream, new PersonRegistered("p", "staff"));
            await s.SaveChangesAsync();
            var rows = await Setup.Query("ledger_owner", $"select timestamp from marten.mt_events where stream_id='{stream}'");
            Say($"  QuickWithServerTimestamps + opts.Events.TimeProvider (sim clock 2024-01-02T03:04:05Z): stored {((DateTime)rows[0][0]!):O}");
        }
    }

    public class SimClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    public static async Task Q4()
    {
        Say("== Q4 chain trigger");
        foreach (var mode in new[] { EventAppendMode.QuickWithServerTimestamps, EventAppendMode.Rich })
        {
            using var store = Cfg.Store("ledger_app", mode);
            await using var s = store.LightweightSession("200001");
            // several events, several streams in one SaveChanges
            var s1 = NewStream(); var s2 = NewStream();
            s.Events.StartStream<Person>(s1, new PersonRegistered("a", "staff"), new PolicyAcknowledged("a", "p", 1), new PolicyAcknowledged("a", "p", 2));
            s.Events.StartStream<Person>(s2, new PersonRegistered("b", "staff"), new PolicyAcknowledged("b", "p", 1));
            await s.SaveChangesAsync();
            s.Events.Append(s1, new PolicyAcknowledged("a", "p", 3));
            s.Events.Append(s2, new PolicyAcknowledged("b", "p", 2));
            await s.SaveChangesAsync();
            var rows = await Setup.Query("ledger_owner", $"select stream_id = '{s1}', version, c.chain_position, e.seq_id from marten.mt_events e join ledger.chain c using (seq_id) where stream_id in ('{s1}','{s2}') order by c.chain_position");
            Say($"  {mode}: (is_s1,version,chain_position,seq_id) " + string.Join(" ", rows.Select(r => $"({(((bool)r[0]!) ? "s1" : "s2")},{r[1]},{r[2]},{r[3]})")));
        }
        await Verify("after Quick/Rich multi-event multi-stream");

        // concurrent writers on one tenant, mixed modes
        using (var quick = Cfg.Store("ledger_app", EventAppendMode.QuickWithServerTimestamps))
        using (var rich = Cfg.Store("ledger_app", EventAppendMode.Rich))
        {
            var n = 0;
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async w =>
            {
                var st = w % 2 == 0 ? quick : rich;
                for (var i = 0; i < 150; i++)
                {
                    await using var s = st.LightweightSession("300001");
                    s.Events.StartStream<Person>(NewStream(), new PersonRegistered("x", "staff"), new PolicyAcknowledged("x", "p", i));
                    await s.SaveChangesAsync();
                    Interlocked.Add(ref n, 2);
                }
            }));
            Say($"  8 concurrent writers (4 Quick, 4 Rich) on tenant 300001: {n} events in {sw.ElapsedMilliseconds} ms");
        }
        await Verify("after concurrent one-tenant");

        // BulkInsertEventsAsync (COPY) for several tenants
        using (var store = Cfg.Store("ledger_owner", EventAppendMode.QuickWithServerTimestamps))
        {
            var sw = Stopwatch.StartNew();
            var total = 0;
            foreach (var tenant in new[] { "400001", "400002", "400003" })
            {
                var actions = new List<StreamAction>();
                for (var i = 0; i < 1000; i++)
                {
                    var a = StreamAction.Start(store.Events, NewStream(), new PersonRegistered("p" + i, "staff"), new PolicyAcknowledged("p" + i, "pol", 1));
                    a.TenantId = tenant; a.AggregateType = typeof(Person);
                    actions.Add(a);
                }
                await store.BulkInsertEventsAsync(tenant, actions);
                total += 2000;
            }
            var rows = await Setup.Query("ledger_owner", "select tenant, count(*), min(chain_position), max(chain_position) from ledger.chain where tenant like '4000%' group by 1 order by 1");
            Say($"  BulkInsertEventsAsync: {total} events over 3 tenants in {sw.ElapsedMilliseconds} ms: " + string.Join("; ", rows.Select(r => $"{r[0]} n={r[1]} pos {r[2]}..{r[3]}")));
        }
        await Verify("after bulk");
    }
}
