using System.Security.Cryptography;

namespace ComplianceLedger.EventStore.Chain;

/// <summary>
/// Checks many inclusion proofs into one tree head, leaf after leaf, with the result of checking
/// each on its own (<see cref="MerkleTree.VerifyInclusion"/>) but a fraction of the hashing: the
/// path of the next leaf soon meets the path just proved, and from there it is enough that the
/// node and every remaining proof hash are the ones already proved to lead to the root.
/// </summary>
public sealed class InclusionRun
{
    readonly byte[] root;
    readonly long[] levelSizes;
    readonly long[] pathIndex;
    readonly byte[][] pathNode;
    readonly int[] pathProofAt;
    IReadOnlyList<byte[]> pathProof = [];
    bool proved;

    public InclusionRun(long treeSize, byte[] root)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(treeSize, 1);
        this.root = root;
        var sizes = new List<long> { treeSize };
        while (sizes[^1] > 1)
        {
            sizes.Add((sizes[^1] + 1) / 2);
        }
        levelSizes = [.. sizes];
        pathIndex = new long[levelSizes.Length];
        pathNode = new byte[levelSizes.Length][];
        pathProofAt = new int[levelSizes.Length];
    }

    public long TreeSize => levelSizes[0];

    /// <summary>True when <paramref name="proof"/> leads from the leaf at zero-based <paramref name="index"/> to the root.</summary>
    public bool Check(long index, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof)
    {
        if (index < 0 || index >= TreeSize || leafHash.Length != MerkleTree.HashSize)
        {
            return false;
        }
        var node = leafHash.ToArray();
        var at = 0;
        var top = levelSizes.Length - 1;
        for (var level = 0; level <= top; level++)
        {
            var i = index >> level;
            if (proved && pathIndex[level] == i)
            {
                // The paths meet: the rest is the path already proved, if the proof says the same from here.
                var rest = proof.Count - at;
                if (!node.AsSpan().SequenceEqual(pathNode[level]) || rest != pathProof.Count - pathProofAt[level])
                {
                    return Fail();
                }
                for (var k = 0; k < rest; k++)
                {
                    if (!proof[at + k].AsSpan().SequenceEqual(pathProof[pathProofAt[level] + k]))
                    {
                        return Fail();
                    }
                }
                var shift = at - pathProofAt[level];
                for (var l = level; l <= top; l++)
                {
                    pathProofAt[l] += shift;
                }
                pathProof = proof;
                return true;
            }
            pathIndex[level] = i;
            pathNode[level] = node;
            pathProofAt[level] = at;
            if (level == top)
            {
                break;
            }
            if ((i ^ 1) < levelSizes[level])
            {
                if (at >= proof.Count || proof[at].Length != MerkleTree.HashSize)
                {
                    return Fail();
                }
                node = (i & 1) == 1 ? MerkleTree.NodeHash(proof[at], node) : MerkleTree.NodeHash(node, proof[at]);
                at++;
            }
        }
        if (at != proof.Count || !CryptographicOperations.FixedTimeEquals(node, root))
        {
            return Fail();
        }
        pathProof = proof;
        proved = true;
        return true;
    }

    bool Fail()
    {
        proved = false;
        return false;
    }
}
