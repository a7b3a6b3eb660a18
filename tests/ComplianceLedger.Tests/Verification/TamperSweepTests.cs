using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Verification;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.Verification;

/// <summary>
/// 1,200 random alterations of a school's events, chain and checkpoints in the database, each made
/// as only a superuser can (triggers off) inside a transaction that is then rolled back, and each
/// found by the verifier at the position where it was made. The seed is fixed, so a failure
/// names an alteration anyone can replay.
/// </summary>
public sealed class TamperSweepTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    const string Tenant = "190001";
    const int Alterations = 1200;

    [Fact]
    public async Task Every_one_of_1200_random_alterations_is_found_at_its_position()
    {
        using var key = SampleLedger.NewKey();
        // 100 events over three streams, a tree head every 10.
        await SampleLedger.SeedAsync(db, Tenant, key, to: 50);
        var keys = new Dictionary<string, byte[]> { [key.KeyId] = key.PublicKey };
        var random = new Random(20261207);
        var failures = new List<string>();
        var kinds = new Dictionary<string, int>();

        await using var connection = await db.AdminDataSource.OpenConnectionAsync();
        Assert.Empty((await VerifyAsync(connection, keys, null)).Problems);
        for (var i = 0; i < Alterations; i++)
        {
            var (kind, sql, position) = Alteration(random, i);
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            await using var tx = await connection.BeginTransactionAsync();
            await using (var alter = new NpgsqlCommand($"SET LOCAL session_replication_role = replica; {sql}", connection, tx))
            {
                await alter.ExecuteNonQueryAsync();
            }
            var result = await VerifyAsync(connection, keys, tx);
            await tx.RollbackAsync();
            if (result.Problems.Count == 0)
            {
                failures.Add($"#{i} {kind} at {position} went unnoticed: {sql}");
            }
            else if (result.Problems[0].Position != position)
            {
                failures.Add($"#{i} {kind} at {position} was reported first at {result.Problems[0].Position} ({result.Problems[0].Problem}): {sql}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Alterations}:\n{string.Join('\n', failures.Take(20))}");
        Assert.Empty((await VerifyAsync(connection, keys, null)).Problems);
        // Every kind was tried many times.
        Assert.All(kinds, k => Assert.True(k.Value >= 30, $"{k.Key} tried only {k.Value} times"));
    }

    static async Task<TenantVerification> VerifyAsync(NpgsqlConnection connection, IReadOnlyDictionary<string, byte[]> keys, NpgsqlTransaction? tx)
    {
        if (tx is not null)
        {
            return await LedgerVerifier.VerifyTenantAsync(connection, tx, Tenant, keys);
        }
        await using var own = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        return await LedgerVerifier.VerifyTenantAsync(connection, own, Tenant, keys);
    }

    static string Event(long position) =>
        $"seq_id = (SELECT seq_id FROM ledger.chain WHERE tenant = '{Tenant}' AND chain_position = {position})";

    static string Chain(long position) => $"tenant = '{Tenant}' AND chain_position = {position}";

    static string Checkpoint(long position) => $"tenant = '{Tenant}' AND position = {position}";

    /// <summary>One alteration: its kind, its SQL and the position it must be reported at.</summary>
    static (string Kind, string Sql, long Position) Alteration(Random random, int i)
    {
        var p = random.Next(1, 101);
        var c = 10L * random.Next(1, 11);
        var k = random.Next(1, 1_000_000);
        var kinds = new (string Kind, Func<(string, long)> Make)[]
        {
            ("data", () => ($"UPDATE marten.mt_events SET data = jsonb_set(data, '{{sweep}}', to_jsonb({k}::bigint)) WHERE {Event(p)}", p)),
            ("type", () => ($"UPDATE marten.mt_events SET type = 'sweep.altered.v{k}' WHERE {Event(p)}", p)),
            ("actor", () => ($"UPDATE marten.mt_events SET user_name = 'person:sweep-{k}' WHERE {Event(p)}", p)),
            ("correlation", () => ($"UPDATE marten.mt_events SET correlation_id = {(k % 2 == 0 ? "NULL" : $"'corr-sweep-{k}'")} WHERE {Event(p)}", p)),
            ("causation", () => ($"UPDATE marten.mt_events SET causation_id = {(k % 2 == 0 ? "NULL" : $"'cause-sweep-{k}'")} WHERE {Event(p)}", p)),
            ("command", () => ($"UPDATE marten.mt_events SET headers = {(k % 2 == 0 ? "NULL" : $"jsonb_build_object('commandId', 'cmd-sweep-{k}')")} WHERE {Event(p)}", p)),
            ("empty", () => ($"UPDATE marten.mt_events SET correlation_id = '' WHERE {Event(p)}", p)),
            ("time", () => ($"UPDATE marten.mt_events SET timestamp = timestamp + interval '{k} microseconds' WHERE {Event(p)}", p)),
            ("stream", () => ($"UPDATE marten.mt_events SET stream_id = 'person-sweep-{k}' WHERE {Event(p)}", p)),
            ("version", () => ($"UPDATE marten.mt_events SET version = version + 1000 + {k} WHERE {Event(p)}", p)),
            ("id", () => ($"UPDATE marten.mt_events SET id = gen_random_uuid() WHERE {Event(p)}", p)),
            ("hash", () => ($"UPDATE ledger.chain SET hash = sha256(hash) WHERE {Chain(p)}", p)),
            ("previous-hash", () => ($"UPDATE ledger.chain SET prev_hash = sha256(prev_hash) WHERE {Chain(p)}", p)),
            ("deletion", () => ($"DELETE FROM marten.mt_events WHERE {Event(p)}; DELETE FROM ledger.chain WHERE {Chain(p)}", p)),
            ("swap", () => p < 100
                ? ($"""
                    UPDATE marten.mt_events e SET data = o.data FROM marten.mt_events o
                     WHERE (e.{Event(p)} AND o.{Event(p + 1)}) OR (e.{Event(p + 1)} AND o.{Event(p)})
                    """, p)
                : ($"UPDATE marten.mt_events SET data = '{{}}'::jsonb WHERE {Event(p)}", p)),
            ("checkpoint head", () => ($"UPDATE ledger.checkpoints SET head_hash = sha256(head_hash) WHERE {Checkpoint(c)}", c)),
            ("checkpoint root", () => ($"UPDATE ledger.checkpoints SET tree_root = sha256(tree_root) WHERE {Checkpoint(c)}", c)),
            ("checkpoint signature", () => ($"UPDATE ledger.checkpoints SET signature = sha256(signature) || sha256(sha256(signature)) WHERE {Checkpoint(c)}", c)),
            ("checkpoint time", () => ($"UPDATE ledger.checkpoints SET issued_at = issued_at + interval '{k} microseconds' WHERE {Checkpoint(c)}", c)),
            ("checkpoint key", () => ($"UPDATE ledger.checkpoints SET key_id = 'sweep{k}' WHERE {Checkpoint(c)}", c)),
            ("checkpoint position", () => ($"UPDATE ledger.checkpoints SET position = {c - 1 - k % 9} WHERE {Checkpoint(c)}", c - 1 - k % 9)),
        };
        var (kind, make) = kinds[i % kinds.Length];
        var (sql, position) = make();
        return (kind, sql, position);
    }
}
