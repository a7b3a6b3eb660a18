using System.Security.Cryptography;
using ComplianceLedger.Cli;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.Verification;

/// <summary>
/// A checkpoint signs the Merkle root of the school's event hashes 1..P (a tree head); checkpoints
/// signed before tree heads keep verifying; a tree head whose root is not the events' is caught.
/// </summary>
public sealed class TreeHeadTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>, IDisposable
{
    readonly SigningKey key = SampleLedger.NewKey();
    readonly List<string> files = [];

    public void Dispose()
    {
        key.Dispose();
        files.ForEach(File.Delete);
    }

    Task<LedgerRun> VerifyAsync(string tenant)
    {
        var file = SampleLedger.WritePublicKeyFile(key);
        files.Add(file);
        return LedgerRun.RunAsync(["verify", "--tenant", tenant, "--public-key", file, "--connection", db.AppConnectionString]);
    }

    async Task<IReadOnlyList<byte[]>> EventHashesAsync(string tenant)
    {
        await using var command = db.AppDataSource.CreateCommand("SELECT hash FROM ledger.events WHERE tenant = $1 ORDER BY chain_position");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        var hashes = new List<byte[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            hashes.Add(reader.GetFieldValue<byte[]>(0));
        }
        return hashes;
    }

    [Fact]
    public async Task A_checkpoint_signs_the_tree_head_of_the_events_up_to_its_position()
    {
        const string tenant = "180001";
        await SampleLedger.SeedAsync(db, tenant, key);
        var hashes = await EventHashesAsync(tenant);

        foreach (var position in new[] { 10L, 20L })
        {
            var checkpoint = (await CheckpointIssuer.ReadAsync(db.AppDataSource, tenant, position))!;
            Assert.Equal(2, checkpoint.Format);
            Assert.Equal(Convert.ToHexStringLower(MerkleTree.OfEventHashes(hashes.Take((int)position)).Root), Convert.ToHexStringLower(checkpoint.TreeRoot!));
            Assert.Equal(hashes[(int)position - 1], checkpoint.HeadHash);
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(key.PublicKey, out _);
            Assert.True(ecdsa.VerifyData(
                Checkpoint.TreeHeadSignedBytes(tenant, position, checkpoint.TreeRoot!, checkpoint.IssuedAt, key.KeyId),
                checkpoint.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }
        (await VerifyAsync(tenant)).ShouldExitWith(ExitCodes.Success).ShouldContain($"tenant {tenant}: 20 events, 2 checkpoints: OK");
    }

    [Fact]
    public async Task A_checkpoint_signed_before_tree_heads_still_verifies()
    {
        const string tenant = "180002";
        await SampleLedger.SeedAsync(db, tenant, key, to: 5);
        var hashes = await EventHashesAsync(tenant);
        var issuedAt = new DateTimeOffset(2026, 9, 1, 9, 0, 0, TimeSpan.Zero);
        // As the issuer signed before migration 080: the chain's hash at the position, no root.
        await InsertCheckpointAsync(tenant, 8, hashes[7], issuedAt, key.Sign(Checkpoint.SignedBytes(tenant, 8, hashes[7], issuedAt, key.KeyId)), root: null);

        (await VerifyAsync(tenant)).ShouldExitWith(ExitCodes.Success).ShouldContain($"tenant {tenant}: 10 events, 2 checkpoints: OK");
    }

    [Fact]
    public async Task A_signed_tree_head_whose_root_is_not_the_events_root_fails_at_its_position()
    {
        const string tenant = "180003";
        await SampleLedger.SeedAsync(db, tenant, key, to: 5);
        var hashes = await EventHashesAsync(tenant);
        var issuedAt = new DateTimeOffset(2026, 9, 1, 9, 0, 0, TimeSpan.Zero);
        // Signed by the trusted key, over the root of other leaves (the events with two swapped).
        var wrongRoot = MerkleTree.OfEventHashes([hashes[1], hashes[0], .. hashes.Skip(2).Take(4)]).Root;
        await InsertCheckpointAsync(tenant, 6, hashes[5], issuedAt, key.Sign(Checkpoint.TreeHeadSignedBytes(tenant, 6, wrongRoot, issuedAt, key.KeyId)), wrongRoot);

        (await VerifyAsync(tenant))
            .ShouldExitWith(ExitCodes.ProblemsFound)
            .ShouldContain($"tenant {tenant}: FAILED at position 6: the Merkle root of the events up to here differs from the signed tree head");
    }

    async Task InsertCheckpointAsync(string tenant, long position, byte[] headHash, DateTimeOffset issuedAt, byte[] signature, byte[]? root)
    {
        await using var command = db.AppDataSource.CreateCommand("""
            INSERT INTO ledger.checkpoints (tenant, position, head_hash, issued_at, key_id, signature, tree_root) VALUES ($1, $2, $3, $4, $5, $6, $7)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = headHash });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = issuedAt });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.KeyId });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = signature });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)root ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
        await command.ExecuteNonQueryAsync();
    }
}
