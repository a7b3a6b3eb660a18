using System.Security.Cryptography;
using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.Tests.Chain;

/// <summary>
/// The tree is RFC 9162's, byte for byte: the Certificate Transparency reference vectors (leaves,
/// roots for sizes 0..8, audit paths, consistency proofs), then every proof of every tree up to 70
/// leaves verified, and every altered proof refused.
/// </summary>
public sealed class MerkleTreeTests
{
    static readonly byte[][] ReferenceLeaves = [.. new[]
    {
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    }.Select(h => MerkleTree.LeafHash(Convert.FromHexString(h)))];

    static readonly string[] ReferenceRoots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    static MerkleTree Tree(IEnumerable<byte[]> leaves, int size) => new([.. leaves.Take(size)]);

    static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [Fact]
    public void Roots_are_the_reference_roots_for_every_size_up_to_eight()
    {
        for (var n = 0; n <= 8; n++)
        {
            Assert.Equal(ReferenceRoots[n], Hex(Tree(ReferenceLeaves, n).Root));
        }
    }

    [Theory]
    [InlineData(0, 8, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e 6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]
    [InlineData(5, 8, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    public void Audit_paths_are_the_reference_paths(int index, int size, string expected)
    {
        var tree = Tree(ReferenceLeaves, size);
        Assert.Equal(expected, string.Join(' ', tree.InclusionProof(index).Select(Hex)));
        Assert.True(MerkleTree.VerifyInclusion(ReferenceLeaves[index], index, size, tree.InclusionProof(index), tree.Root));
    }

    [Theory]
    [InlineData(2, 8, "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e 6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]
    [InlineData(6, 8, "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(2, 5, "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]
    public void Consistency_proofs_are_the_reference_proofs(int first, int second, string expected)
    {
        var proof = Tree(ReferenceLeaves, second).ConsistencyProof(first);
        Assert.Equal(expected, string.Join(' ', proof.Select(Hex)));
        Assert.True(MerkleTree.VerifyConsistency(first, second, Convert.FromHexString(ReferenceRoots[first]), Convert.FromHexString(ReferenceRoots[second]), proof));
    }

    static readonly byte[][] Many = [.. Enumerable.Range(0, 70).Select(i => MerkleTree.LeafHash(SHA256.HashData(BitConverter.GetBytes(i))))];

    static readonly byte[][] ManyRoots = [.. Enumerable.Range(0, Many.Length + 1).Select(n => Tree(Many, n).Root)];

    [Fact]
    public void Every_audit_path_of_every_tree_verifies_and_no_altered_one_does()
    {
        var checkedProofs = 0;
        for (var n = 1; n <= Many.Length; n++)
        {
            var tree = Tree(Many, n);
            for (var i = 0; i < n; i++)
            {
                var proof = tree.InclusionProof(i);
                Assert.True(MerkleTree.VerifyInclusion(Many[i], i, n, proof, ManyRoots[n]), $"leaf {i} of {n}");
                Assert.False(MerkleTree.VerifyInclusion(Many[(i + 1) % Many.Length], i, n, proof, ManyRoots[n]), $"another leaf at {i} of {n}");
                if (n > 1)
                {
                    Assert.False(MerkleTree.VerifyInclusion(Many[i], (i + 1) % n, n, proof, ManyRoots[n]), $"leaf {i} at another index of {n}");
                    Assert.False(MerkleTree.VerifyInclusion(Many[i], i, n, proof, ManyRoots[n - 1]), $"leaf {i} against the root of {n - 1}");
                    foreach (var altered in Altered(proof))
                    {
                        Assert.False(MerkleTree.VerifyInclusion(Many[i], i, n, altered, ManyRoots[n]), $"altered path of leaf {i} of {n}");
                    }
                }
                checkedProofs++;
            }
        }
        Assert.Equal(70 * 71 / 2, checkedProofs);
    }

    [Fact]
    public void Every_consistency_proof_between_every_two_sizes_verifies_and_no_altered_one_does()
    {
        for (var second = 0; second <= Many.Length; second++)
        {
            var tree = Tree(Many, second);
            for (var first = 0; first <= second; first++)
            {
                var proof = tree.ConsistencyProof(first);
                Assert.True(MerkleTree.VerifyConsistency(first, second, ManyRoots[first], ManyRoots[second], proof), $"{first} to {second}");
                if (first > 0 && first < second)
                {
                    // A tree that did not only grow: another root for the earlier size.
                    Assert.False(MerkleTree.VerifyConsistency(first, second, ManyRoots[first - 1], ManyRoots[second], proof), $"{first} to {second}, another first root");
                    Assert.False(MerkleTree.VerifyConsistency(first, second, ManyRoots[first], ManyRoots[second - 1], proof), $"{first} to {second}, another second root");
                    foreach (var altered in Altered(proof))
                    {
                        Assert.False(MerkleTree.VerifyConsistency(first, second, ManyRoots[first], ManyRoots[second], altered), $"altered proof {first} to {second}");
                    }
                }
            }
        }
    }

    [Fact]
    public void The_frontier_gives_the_tree_root_at_every_size()
    {
        var frontier = new MerkleFrontier();
        Assert.Equal(ManyRoots[0], frontier.Root);
        for (var n = 1; n <= Many.Length; n++)
        {
            frontier.AppendLeaf(Many[n - 1]);
            Assert.Equal(Hex(ManyRoots[n]), Hex(frontier.Root));
        }
        Assert.Equal(Many.Length, frontier.Size);
    }

    [Fact]
    public void Degenerate_proofs_are_refused()
    {
        var root = ManyRoots[8];
        Assert.False(MerkleTree.VerifyInclusion(Many[0], 8, 8, Tree(Many, 8).InclusionProof(0), root));
        Assert.False(MerkleTree.VerifyInclusion(Many[0], -1, 8, Tree(Many, 8).InclusionProof(0), root));
        Assert.False(MerkleTree.VerifyInclusion(Many[0].AsSpan(0, 31), 0, 8, Tree(Many, 8).InclusionProof(0), root));
        Assert.False(MerkleTree.VerifyConsistency(8, 6, root, ManyRoots[6], []));
        Assert.False(MerkleTree.VerifyConsistency(6, 8, ManyRoots[6], root, []));
        Assert.False(MerkleTree.VerifyConsistency(4, 4, ManyRoots[4], ManyRoots[5], []));
        Assert.False(MerkleTree.VerifyConsistency(0, 8, ManyRoots[1], root, []));
        Assert.True(MerkleTree.VerifyConsistency(0, 8, MerkleTree.EmptyRoot, root, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tree(Many, 8).InclusionProof(8));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tree(Many, 8).ConsistencyProof(9));
        Assert.Throws<ArgumentException>(() => new MerkleTree([new byte[31]]));
    }

    /// <summary>Each element with one bit flipped, the first two swapped, the last dropped, one more appended.</summary>
    static IEnumerable<IReadOnlyList<byte[]>> Altered(IReadOnlyList<byte[]> proof)
    {
        for (var i = 0; i < proof.Count; i++)
        {
            var flipped = proof.Select(p => p.ToArray()).ToArray();
            flipped[i][i % 32] ^= 0x01;
            yield return flipped;
        }
        if (proof.Count >= 2 && !proof[0].SequenceEqual(proof[1]))
        {
            yield return [proof[1], proof[0], .. proof.Skip(2)];
        }
        if (proof.Count > 0)
        {
            yield return [.. proof.Take(proof.Count - 1)];
        }
        yield return [.. proof, new byte[32]];
    }
}
