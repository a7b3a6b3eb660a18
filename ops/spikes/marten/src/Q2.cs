using System.Diagnostics;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Npgsql;

namespace Spike;

public static class Q5to8
{
    static void Say(string s) => Console.WriteLine(s);
    static string NewStream() => "person-" + Guid.CreateVersion7();
    static string Ex(Exception e) { var s = $"{e.GetType().FullName}: {First(e.Message)}"; if (e.InnerException != null) s += $" <- {e.InnerException.GetType().FullName}: {First(e.InnerException.Message)}" + (e.InnerException is PostgresException pe ? $" [SQLSTATE {pe.SqlState}, constraint {pe.ConstraintName}]" : ""); if (e is PostgresException p) s += $" [SQLSTATE {p.SqlState}]"; return s; }
    static string First(string m) => m.Split('\n').Select(x => x.Trim()).FirstOrDefault(x => x.Length > 0 && !x.StartsWith("Marten Command Failure")) ?? m;
    static async Task<string> Try(Func<Task> f) { try { await f(); return "OK"; } catch (Exception e) { return "REFUSED " + Ex(e); } }

    public static async Task Q5()
    {
        Say("== Q5 append-only, app role = SELECT/INSERT on mt_events, SELECT/INSERT/UPDATE on mt_streams, USAGE on mt_events_sequence");
        foreach (var mode in new[] { EventAppendMode.QuickWithServerTimestamps, EventAppendMode.Rich })
        {
            using var store = Cfg.Store("ledger_app", mode);
            var stream = NewStream();
            await using (var s = store.LightweightSession("500001"))
            {
                s.Events.StartStream<Person>(stream, new PersonRegistered("p", "staff"));
                await s.SaveChangesAsync();
            }
            // FetchForWriting with an expected version (the If-Match version)
            await using (var s = store.LightweightSession("500001"))
            {
                var w = await s.Events.FetchForWriting<Person>(stream, 1);
                w.AppendOne(new PolicyAcknowledged("p", "pol", 1));
                await s.SaveChangesAsync();
                Say($"  {mode}: FetchForWriting(stream, expectedVersion: 1) then append: OK, stream now v{(await s.Events.FetchStreamStateAsync(stream))!.Version}");
            }
            var stale = await Try(async () =>
            {
                await using var s = store.LightweightSession("500001");
                var w = await s.Events.FetchForWriting<Person>(stream, 1);   // stale: stream is at 2
                w.AppendOne(new PolicyAcknowledged("p", "pol", 2));
                await s.SaveChangesAsync();
            });
            Say($"  {mode}: FetchForWriting with stale version 1 (actual 2): {stale}");
            // racing writer: both fetch at v2, the second save must fail
            var race = await Try(async () =>
            {
                await using var a = store.LightweightSession("500001");
                await using var b = store.LightweightSession("500001");
                var wa = await a.Events.FetchForWriting<Person>(stream, 2);
                var wb = await b.Events.FetchForWriting<Person>(stream, 2);
                wa.AppendOne(new PolicyAcknowledged("p", "pol", 3)); await a.SaveChangesAsync();
                wb.AppendOne(new PolicyAcknowledged("p", "pol", 4)); await b.SaveChangesAsync();
            });
            Say($"  {mode}: two writers FetchForWriting(v2), both save: second -> {race}");
            await using (var q = store.QuerySession("500001"))
            {
                var evs = await q.Events.FetchStreamAsync(stream);
                var agg = await q.Events.AggregateStreamAsync<Person>(stream);
                Say($"  {mode}: FetchStreamAsync {evs.Count} events; AggregateStreamAsync<Person> acks={agg?.Acks} role={agg?.Role}");
            }
        }
        // bulk append as the app role
        using (var store = Cfg.Store("ledger_app"))
        {
            var a = StreamAction.Start(store.Events, NewStream(), new PersonRegistered("p", "staff"));
            a.TenantId = "500002"; a.AggregateType = typeof(Person);
            Say("  BulkInsertEventsAsync as ledger_app: " + await Try(() => store.BulkInsertEventsAsync("500002", new[] { a })));
        }
        // rewrites, for the app and for the owner
        foreach (var user in new[] { "ledger_app", "ledger_owner", "postgres" })
        {
            Say($"  {user}: UPDATE mt_events: " + await Try(() => Setup.Sql(user, "update marten.mt_events set data = '{}' where tenant_id = '500001'")));
            Say($"  {user}: DELETE mt_events: " + await Try(() => Setup.Sql(user, "delete from marten.mt_events where tenant_id = '500001'")));
            Say($"  {user}: TRUNCATE mt_events: " + await Try(() => Setup.Sql(user, "truncate marten.mt_events cascade")));
            Say($"  {user}: INSERT ledger.chain directly: " + await Try(() => Setup.Sql(user, "insert into ledger.chain values ('500001', 999, -1, sha256(''), sha256(''))")));
        }
        // Marten features that rewrite events
        using (var store = Cfg.Store("ledger_app"))
        {
            var stream = NewStream();
            await using (var s = store.LightweightSession("500003")) { s.Events.StartStream<Person>(stream, new PersonRegistered("p", "staff")); await s.SaveChangesAsync(); }
            Say("  ArchiveStream: " + await Try(async () => { await using var s = store.LightweightSession("500003"); s.Events.ArchiveStream(stream); await s.SaveChangesAsync(); }));
            Say("  Advanced.CleanAllEventDataAsync: " + await Try(() => store.Advanced.Clean.DeleteAllEventDataAsync()));
        }
    }

    // Q7: our SQL projection in Marten's transaction, after the event inserts, before commit
    public sealed class SqlProjectionParticipant(IReadOnlyList<Guid> eventIds, bool fail) : ITransactionParticipant
    {
        public List<string> Seen { get; } = new();
        public async Task BeforeCommitAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken token)
        {
            await using var cmd = new NpgsqlCommand("""
                select c.chain_position, e.stream_id, e.version, e.id, e.type, e.data::text, c.hash
                  from marten.mt_events e join ledger.chain c using (seq_id)
                 where e.id = any($1) order by c.chain_position
                """, conn, tx);
            cmd.Parameters.AddWithValue(eventIds.ToArray());
            await using (var r = await cmd.ExecuteReaderAsync(token))
                while (await r.ReadAsync(token)) Seen.Add($"pos {r.GetInt64(0)} v{r.GetInt64(2)} {r.GetString(4)}");
            await using var ins = new NpgsqlCommand("""
                insert into ledger.acks_rm (tenant, chain_position, stream_id, person_id, hash)
                select e.tenant_id, c.chain_position, e.stream_id, e.data->>'personId', c.hash
                  from marten.mt_events e join ledger.chain c using (seq_id)
                 where e.id = any($1) and e.type = 'policy.acknowledged.v1'
                """, conn, tx);
            ins.Parameters.AddWithValue(eventIds.ToArray());
            var n = await ins.ExecuteNonQueryAsync(token);
            Seen.Add($"projected {n} rows");
            if (fail) throw new InvalidOperationException("projection rule failed");
        }
    }

    public static async Task Q7()
    {
        Say("== Q7 inline SQL projection in the append transaction");
        foreach (var mode in new[] { EventAppendMode.QuickWithServerTimestamps, EventAppendMode.Rich })
        foreach (var fail in new[] { false, true })
        {
            using var store = Cfg.Store("ledger_app", mode);
            var stream = NewStream();
            await using var s = store.LightweightSession("700001");
            var action = s.Events.StartStream<Person>(stream, new PersonRegistered("p7", "staff"), new PolicyAcknowledged("p7", "pol", 1));
            var p = new SqlProjectionParticipant(action.Events.Select(e => e.Id).ToList(), fail);
            ((ITransactionParticipantRegistrar)s).AddTransactionParticipant(p);
            var r = await Try(() => s.SaveChangesAsync());
            var ev = await Setup.Query("ledger_owner", $"select count(*) from marten.mt_events where stream_id='{stream}'");
            var rm = await Setup.Query("ledger_owner", $"select count(*) from ledger.acks_rm where stream_id='{stream}'");
            Say($"  {mode} participant{(fail ? " THROWS" : "")}: SaveChanges {r}; saw [{string.Join("; ", p.Seen)}]; committed events={ev[0][0]} read-model rows={rm[0][0]}");
        }
        await Q.Verify("after Q7 (rolled-back appends leave no chain gap)");

        // alternative: our own connection+transaction handed to Marten
        foreach (var fail in new[] { false, true })
        {
            using var store = Cfg.Store("ledger_app");
            var stream = NewStream();
            await using var conn = new NpgsqlConnection(Cfg.Cs("ledger_app"));
            await conn.OpenAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await using var s = store.LightweightSession(ForTx(tx, "700002"));
            s.Events.StartStream<Person>(stream, new PolicyAcknowledged("p7", "pol", 1));
            await s.SaveChangesAsync();                       // inserts, does not commit
            await using (var cmd = new NpgsqlCommand($"insert into ledger.acks_rm select e.tenant_id, c.chain_position, e.stream_id, e.data->>'personId', c.hash from marten.mt_events e join ledger.chain c using (seq_id) where e.stream_id = '{stream}'", conn, tx))
                Say($"  ForTransaction(tx): SaveChanges then own SQL on the same tx projected {await cmd.ExecuteNonQueryAsync()} row(s) {(fail ? "then ROLLBACK" : "then COMMIT")}");
            if (fail) await tx.RollbackAsync(); else await tx.CommitAsync();
            var ev = await Setup.Query("ledger_owner", $"select count(*) from marten.mt_events where stream_id='{stream}'");
            Say($"    committed events={ev[0][0]}");
        }
    }

    static SessionOptions ForTx(NpgsqlTransaction tx, string tenant) { var o = SessionOptions.ForTransaction(tx); o.TenantId = tenant; return o; }

    public static async Task Q8()
    {
        Say("== Q8 idempotency row in the append transaction");
        foreach (var mode in new[] { EventAppendMode.QuickWithServerTimestamps, EventAppendMode.Rich })
        {
            using var store = Cfg.Store("ledger_app", mode);
            var cmdId = "key:" + Guid.NewGuid().ToString("N");
            var fp = new byte[32];
            for (var attempt = 1; attempt <= 2; attempt++)
            {
                var stream = NewStream();
                await using var s = store.LightweightSession("800001");
                s.Events.StartStream<Person>(stream, new PersonRegistered("p8", "staff"));
                s.QueueSqlCommand("insert into ledger.commands (tenant, command_id, fingerprint, stream_id) values (?, ?, ?, ?)",
                    "800001", cmdId, fp, stream);
                var r = await Try(() => s.SaveChangesAsync());
                var ev = await Setup.Query("ledger_owner", $"select count(*) from marten.mt_events where stream_id='{stream}'");
                Say($"  {mode} attempt {attempt}: {r}; events committed for its stream={ev[0][0]}");
            }
            var tomb = await Setup.Query("ledger_owner", "select e.tenant_id, e.type, e.stream_id, c.chain_position from marten.mt_events e left join ledger.chain c using (seq_id) where e.type like '%tombstone%' or e.stream_id like 'mt_%'");
            Say($"  {mode}: tombstone rows in mt_events: {tomb.Count} " + string.Join("; ", tomb.Select(t => string.Join(",", t))));
        }
        await Q.Verify("after Q8");
    }
}
public static class Q9
{
    public static async Task Run()
    {
        Console.WriteLine("== Q9 reading a tenant in chain order");
        await using var c = new NpgsqlConnection(Cfg.Cs("ledger_app"));
        await c.OpenAsync();
        // what our daemon runs: next page of one school's chain after its checkpoint
        const string sql = """
            select c.chain_position, e.stream_id, e.version, e.id, e.type, e.data::text,
                   e.correlation_id, e.causation_id, e.headers::text, e.user_name, e.timestamp, c.prev_hash, c.hash
              from ledger.chain c
              join marten.mt_events e on e.seq_id = c.seq_id
             where c.tenant = $1 and c.chain_position > $2
             order by c.chain_position
             limit $3
            """;
        await using (var cmd = new NpgsqlCommand("explain (costs off) " + sql, c))
        {
            cmd.Parameters.AddWithValue("400001"); cmd.Parameters.AddWithValue(1000L); cmd.Parameters.AddWithValue(500);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) Console.WriteLine("  plan: " + r.GetString(0));
        }
        await using (var cmd = new NpgsqlCommand(sql, c))
        {
            cmd.Parameters.AddWithValue("100001"); cmd.Parameters.AddWithValue(0L); cmd.Parameters.AddWithValue(2);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) Console.WriteLine($"  row: pos {r.GetInt64(0)} {r.GetString(1)} v{r.GetInt64(2)} {r.GetGuid(3)} {r.GetString(4)} {r.GetString(5)} ts {r.GetDateTime(10):O} hash {Convert.ToHexString((byte[])r[12])[..16]}…");
        }
        await using (var cmd = new NpgsqlCommand("select global_position, tenant, chain_position, stream_id, stream_version, event_type, actor, command_id, recorded_at from ledger.events where tenant='100001' order by chain_position limit 2", c))
        {
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) Console.WriteLine($"  ledger.events: {string.Join(" | ", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "NULL" : r.GetValue(i).ToString()))}");
        }
    }
}
