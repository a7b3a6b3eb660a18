using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;
using Npgsql;

namespace ComplianceLedger.EventStore.Verification;

/// <param name="Problems">The problems kept, first position first; <paramref name="ProblemsFound"/> counts all of them.</param>
public sealed record TenantVerification(
    string Tenant, long EventsChecked, int CheckpointsChecked, IReadOnlyList<VerificationProblem> Problems, long ProblemsFound)
{
    public bool Holds => Problems.Count == 0;

    /// <summary>The chain's last position and hash as recorded (null for a school with no head).</summary>
    public (long Position, byte[] Hash)? Head { get; init; }

    /// <summary>The position of the last checkpoint (null when there is none).</summary>
    public long? LastCheckpoint { get; init; }

    /// <summary>For each tree head kept outside the ledger: the consistency proof from it to the ledger's latest tree head.</summary>
    public IReadOnlyList<GrowthProof> GrewFrom { get; init; } = [];
}

/// <summary>RFC 9162 consistency proof that the tree of <see cref="ToSize"/> events with root <see cref="ToRoot"/> only grew from <see cref="From"/>.</summary>
public sealed record GrowthProof(TreeHead From, long ToSize, byte[] ToRoot, IReadOnlyList<byte[]> Proof, bool Holds);

/// <summary>Verifies the chains and checkpoints stored in the database, a tenant at a time.</summary>
public sealed class LedgerVerifier(NpgsqlDataSource dataSource)
{
    /// <summary>Every tenant with events, a chain head or a checkpoint, with its event count.</summary>
    public async Task<IReadOnlyList<(string Tenant, long Events)>> TenantsAsync(string? onlyTenant = null, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT t.tenant, (SELECT count(*) FROM ledger.events e WHERE e.tenant = t.tenant)
              FROM (SELECT tenant FROM ledger.chain_heads
                    UNION SELECT DISTINCT tenant FROM ledger.events
                    UNION SELECT DISTINCT tenant FROM ledger.checkpoints) t
             WHERE $1::text IS NULL OR t.tenant = $1
             ORDER BY t.tenant
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)onlyTenant ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var tenants = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            tenants.Add((reader.GetString(0), reader.GetInt64(1)));
        }
        return tenants;
    }

    /// <summary>The public keys recorded beside the checkpoints. Trust them only when nothing better is at hand.</summary>
    public async Task<IReadOnlyDictionary<string, byte[]>> RecordedKeysAsync(CancellationToken ct = default)
    {
        var keys = new Dictionary<string, byte[]>();
        await using var command = dataSource.CreateCommand("SELECT public_key FROM ledger.signing_keys");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = reader.GetFieldValue<byte[]>(0);
            keys[SigningKey.KeyIdOf(key)] = key;
        }
        return keys;
    }

    /// <param name="progress">Called with the number of events checked so far in this tenant.</param>
    /// <param name="keptHeads">Tree heads of this tenant kept outside the database (digests): the ledger must have grown from each.</param>
    public async Task<TenantVerification> VerifyTenantAsync(
        string tenant, IReadOnlyDictionary<string, byte[]> trustedKeys, Action<long>? progress = null,
        IReadOnlyCollection<TreeHead>? keptHeads = null, CancellationToken ct = default)
    {
        // One repeatable-read snapshot, so the events, the head and the checkpoints are
        // not compared across a concurrent append; event rows stream, memory stays flat.
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        return await VerifyTenantAsync(connection, tx, tenant, trustedKeys, progress, keptHeads, ct);
    }

    /// <summary>The same, inside a transaction the caller holds (a test's, altering the ledger and rolling back).</summary>
    public static async Task<TenantVerification> VerifyTenantAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, IReadOnlyDictionary<string, byte[]> trustedKeys,
        Action<long>? progress = null, IReadOnlyCollection<TreeHead>? keptHeads = null, CancellationToken ct = default)
    {
        keptHeads = [.. (keptHeads ?? []).Where(h => h.Tenant == tenant)];

        // A ledger not yet migrated to tree heads (080) still verifies: its checkpoints are all format 1.
        bool treeHeads;
        await using (var probe = new NpgsqlCommand("""
            SELECT EXISTS (SELECT FROM information_schema.columns
                            WHERE table_schema = 'ledger' AND table_name = 'checkpoints' AND column_name = 'tree_root')
            """, connection, tx))
        {
            treeHeads = (bool)(await probe.ExecuteScalarAsync(ct))!;
        }
        var checkpoints = new List<Checkpoint>();
        await using (var command = Command(connection, tx, tenant, $"""
            SELECT tenant, position, head_hash, issued_at, key_id, signature, {(treeHeads ? "tree_root" : "NULL::bytea")} FROM ledger.checkpoints
             WHERE tenant = $1 ORDER BY position
            """))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                checkpoints.Add(CheckpointIssuer.ReadCheckpoint(reader));
            }
        }

        long? headPosition = null;
        byte[]? headHash = null;
        await using (var command = Command(connection, tx, tenant, "SELECT position, hash FROM ledger.chain_heads WHERE tenant = $1"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                headPosition = reader.GetInt64(0);
                headHash = reader.GetFieldValue<byte[]>(1);
            }
        }

        var recordedStreams = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = Command(connection, tx, tenant, "SELECT stream_id, version FROM ledger.streams WHERE tenant = $1"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                recordedStreams[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var verifier = new ChainVerifier(tenant, checkpoints, trustedKeys, keptHeads, keepLeaves: keptHeads.Count > 0);
        await using (var command = Command(connection, tx, tenant, """
            SELECT global_position, tenant, chain_position, stream_id, stream_version, event_id, event_type, data::text,
                   actor, correlation_id, causation_id, command_id, recorded_at, prev_hash, hash
              FROM ledger.events WHERE tenant = $1 ORDER BY chain_position
            """))
        await using (var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct))
        {
            while (await reader.ReadAsync(ct))
            {
                verifier.Add(LedgerStore.ReadEvent(reader));
                if (verifier.EventsChecked % 1000 == 0)
                {
                    progress?.Invoke(verifier.EventsChecked);
                }
            }
        }
        progress?.Invoke(verifier.EventsChecked);
        var problems = verifier.Complete(headPosition, headHash, recordedStreams);
        return new TenantVerification(tenant, verifier.EventsChecked, checkpoints.Count, problems, verifier.ProblemsFound)
        {
            Head = headPosition is { } position && headHash is not null ? (position, headHash) : null,
            GrewFrom = problems.Count == 0 ? GrowthProofs(keptHeads, checkpoints, verifier.Leaves) : [],
            LastCheckpoint = checkpoints.Count > 0 ? checkpoints[^1].Position : null,
        };
    }

    /// <summary>
    /// What a holder of only the two tree heads would check: the consistency proof from each kept
    /// head to the latest signed one (or to the whole chain when none is later), built from the leaves.
    /// </summary>
    static List<GrowthProof> GrowthProofs(IReadOnlyCollection<TreeHead> keptHeads, IReadOnlyList<Checkpoint> checkpoints, IReadOnlyList<byte[]> leaves)
    {
        var proofs = new List<GrowthProof>();
        if (keptHeads.Count == 0)
        {
            return proofs;
        }
        var tree = new MerkleTree(leaves);
        var latest = checkpoints.LastOrDefault(c => c.TreeRoot is not null && c.Position == leaves.Count);
        var root = latest?.TreeRoot ?? tree.Root;
        foreach (var head in keptHeads)
        {
            var proof = tree.ConsistencyProof(head.TreeSize);
            proofs.Add(new GrowthProof(head, tree.Size, root, proof, MerkleTree.VerifyConsistency(head.TreeSize, tree.Size, head.Root, root, proof)));
        }
        return proofs;
    }

    static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, string sql)
    {
        var command = new NpgsqlCommand(sql, connection, tx);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        return command;
    }
}
