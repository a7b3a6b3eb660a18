namespace ComplianceLedger.EventStore.Chain;

/// <summary>
/// The right edge of a <see cref="MerkleTree"/> as leaves arrive: one root per power of two in the
/// size, so a tree head over millions of events is computed in one pass, in log n memory (a
/// checkpoint's issuer and a verifier reading the chain in order).
/// </summary>
public sealed class MerkleFrontier
{
    readonly List<byte[]> subtrees = [];

    public long Size { get; private set; }

    /// <summary>Adds the next event's hash as a leaf.</summary>
    public void AppendEventHash(ReadOnlySpan<byte> eventHash) => AppendLeaf(MerkleTree.LeafHash(eventHash));

    public void AppendLeaf(byte[] leafHash)
    {
        subtrees.Add(leafHash);
        Size++;
        // Each trailing 0 bit of the new size is a pair of equal subtrees to join.
        for (var s = Size; (s & 1) == 0; s >>= 1)
        {
            var right = subtrees[^1];
            var left = subtrees[^2];
            subtrees.RemoveRange(subtrees.Count - 2, 2);
            subtrees.Add(MerkleTree.NodeHash(left, right));
        }
    }

    /// <summary>The root of the tree of the leaves so far (RFC 9162: the smaller subtrees join from the right).</summary>
    public byte[] Root
    {
        get
        {
            if (subtrees.Count == 0)
            {
                return MerkleTree.EmptyRoot;
            }
            var root = subtrees[^1];
            for (var i = subtrees.Count - 2; i >= 0; i--)
            {
                root = MerkleTree.NodeHash(subtrees[i], root);
            }
            return root;
        }
    }
}
