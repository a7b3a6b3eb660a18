using ComplianceLedger.EventStore.Chain;
using Npgsql;

namespace ComplianceLedger.EventStore.Checkpoints;

/// <summary>Signs a tree head over a tenant's chain as it stands and records it as a checkpoint.</summary>
public sealed class CheckpointIssuer(NpgsqlDataSource dataSource, SigningKey key, TimeProvider time)
{
    int keyRegistered;

    /// <summary>
    /// Returns the checkpoint at the tenant's head: the existing one when the head has not
    /// moved since the last, else a new one. Null when the tenant has no events.
    /// </summary>
    public async Task<Checkpoint?> IssueAsync(string tenant, CancellationToken ct = default)
    {
        using var activity = LedgerTelemetry.Source.StartActivity("ledger.checkpoint");
        activity?.SetTag("ledger.tenant", tenant);
        await RegisterKeyAsync(ct);

        await using var head = dataSource.CreateCommand("SELECT position, hash FROM ledger.chain_heads WHERE tenant = $1");
        head.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        long position;
        byte[] hash;
        await using (var reader = await head.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }
            position = reader.GetInt64(0);
            hash = reader.GetFieldValue<byte[]>(1);
        }
        if (position == 0)
        {
            return null;
        }

        if (await ReadAsync(dataSource, tenant, position, ct) is { } existing)
        {
            return existing;
        }

        var root = await TreeRootAsync(dataSource, tenant, position, ct);
        var issuedAt = ChainHash.TruncateToMicroseconds(time.GetUtcNow());
        var signature = key.Sign(Checkpoint.TreeHeadSignedBytes(tenant, position, root, issuedAt, key.KeyId));
        await using var insert = dataSource.CreateCommand("""
            INSERT INTO ledger.checkpoints (tenant, position, head_hash, issued_at, key_id, signature, tree_root)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant, position) DO NOTHING
            """);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = issuedAt });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.KeyId });
        insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = signature });
        insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = root });
        await insert.ExecuteNonQueryAsync(ct);
        activity?.SetTag("ledger.chain_position", position);
        return await ReadAsync(dataSource, tenant, position, ct);
    }

    /// <summary>The Merkle root of the tenant's event hashes 1..<paramref name="treeSize"/>, read in chain order.</summary>
    public static async Task<byte[]> TreeRootAsync(NpgsqlDataSource dataSource, string tenant, long treeSize, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT hash FROM ledger.chain WHERE tenant = $1 AND chain_position <= $2 ORDER BY chain_position");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = treeSize });
        var frontier = new MerkleFrontier();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            frontier.AppendEventHash(reader.GetFieldValue<byte[]>(0));
        }
        return frontier.Size == treeSize
            ? frontier.Root
            : throw new InvalidOperationException($"Tenant {tenant}'s chain has {frontier.Size} rows up to position {treeSize}.");
    }

    /// <summary>The Merkle tree of the tenant's event hashes 1..<paramref name="treeSize"/>, for proofs (receipts, packs).</summary>
    public static async Task<MerkleTree> TreeAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenant, long treeSize, CancellationToken ct)
    {
        var hashes = new List<byte[]>((int)treeSize);
        await using var command = new NpgsqlCommand(
            "SELECT hash FROM ledger.chain WHERE tenant = $1 AND chain_position <= $2 ORDER BY chain_position", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = treeSize });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            hashes.Add(MerkleTree.LeafHash(reader.GetFieldValue<byte[]>(0)));
        }
        return hashes.Count == treeSize
            ? new MerkleTree(hashes)
            : throw new InvalidOperationException($"School {tenant}'s chain has {hashes.Count} rows up to position {treeSize}.");
    }

    /// <summary>The tenants whose chain head has moved past their latest checkpoint.</summary>
    public async Task<IReadOnlyList<string>> TenantsNeedingCheckpointAsync(CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT h.tenant FROM ledger.chain_heads h
             WHERE h.position > COALESCE((SELECT max(c.position) FROM ledger.checkpoints c WHERE c.tenant = h.tenant), 0)
             ORDER BY h.tenant
            """);
        var tenants = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            tenants.Add(reader.GetString(0));
        }
        return tenants;
    }

    async Task RegisterKeyAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref keyRegistered) == 1)
        {
            return;
        }
        await using var command = dataSource.CreateCommand(
            "INSERT INTO ledger.signing_keys (key_id, public_key, first_used) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.KeyId });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = key.PublicKey });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(ct);
        Volatile.Write(ref keyRegistered, 1);
    }

    public static async Task<Checkpoint?> ReadAsync(NpgsqlDataSource dataSource, string tenant, long position, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT tenant, position, head_hash, issued_at, key_id, signature, tree_root FROM ledger.checkpoints
             WHERE tenant = $1 AND position = $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadCheckpoint(reader) : null;
    }

    /// <summary>The school's latest signed tree head, and how many events were recorded after it; null when it has none.</summary>
    public static async Task<(TreeHead Head, long EventsSince)?> LatestTreeHeadAsync(NpgsqlDataSource dataSource, string tenant, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.tenant, c.position, c.head_hash, c.issued_at, c.key_id, c.signature, c.tree_root,
                   COALESCE((SELECT h.position FROM ledger.chain_heads h WHERE h.tenant = c.tenant), c.position)
              FROM ledger.checkpoints c
             WHERE c.tenant = $1 AND c.tree_root IS NOT NULL
             ORDER BY c.position DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        var checkpoint = ReadCheckpoint(reader);
        return (checkpoint.TreeHead!, reader.GetInt64(7) - checkpoint.Position);
    }

    /// <summary>Reads the columns <c>tenant, position, head_hash, issued_at, key_id, signature, tree_root</c>.</summary>
    public static Checkpoint ReadCheckpoint(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetFieldValue<byte[]>(2), r.GetFieldValue<DateTimeOffset>(3), r.GetString(4),
        r.GetFieldValue<byte[]>(5), r.IsDBNull(6) ? null : r.GetFieldValue<byte[]>(6));
}
