using System.Numerics;
using System.Security.Cryptography;

namespace ComplianceLedger.EventStore.Chain;

/// <summary>
/// RFC 9162's Merkle tree over a school's event hashes, in chain order: leaf = SHA-256(0x00 ‖ event
/// hash), node = SHA-256(0x01 ‖ left ‖ right), the left subtree of n leaves holding the largest power
/// of two below n. A signed tree head over it lets anyone check one event (an inclusion proof) or that
/// a later ledger only grew from an earlier one (a consistency proof) without the rest of the ledger.
/// The nodes are kept level by level, a lone last node carried up unhashed, which is the same tree
/// (RFC 9162 §2.1.1) and makes every proof a walk of log n steps.
/// </summary>
public sealed class MerkleTree
{
    public const int HashSize = 32;

    /// <summary>The root of the empty tree: SHA-256 of no bytes.</summary>
    public static byte[] EmptyRoot => SHA256.HashData([]);

    readonly List<byte[][]> levels = [];

    /// <summary>The tree whose leaves are these leaf hashes (already <see cref="LeafHash"/>ed), in order.</summary>
    public MerkleTree(IReadOnlyList<byte[]> leafHashes)
    {
        var level = new byte[leafHashes.Count][];
        for (var i = 0; i < level.Length; i++)
        {
            level[i] = leafHashes[i].Length == HashSize ? leafHashes[i] : throw new ArgumentException($"Leaf {i} is not a 32-byte hash.", nameof(leafHashes));
        }
        levels.Add(level);
        while (level.Length > 1)
        {
            var up = new byte[(level.Length + 1) / 2][];
            for (var j = 0; j < up.Length; j++)
            {
                up[j] = 2 * j + 1 < level.Length ? NodeHash(level[2 * j], level[2 * j + 1]) : level[2 * j];
            }
            levels.Add(up);
            level = up;
        }
    }

    /// <summary>The tree over these event hashes (each 32 bytes), in chain order.</summary>
    public static MerkleTree OfEventHashes(IEnumerable<byte[]> eventHashes) => new([.. eventHashes.Select(h => LeafHash(h))]);

    public long Size => levels[0].Length;

    public byte[] Root => Size == 0 ? EmptyRoot : levels[^1][0];

    /// <summary>SHA-256(0x00 ‖ data): an event's hash here; any bytes in RFC 9162's own examples.</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> data)
    {
        Span<byte> buffer = data.Length <= HashSize ? stackalloc byte[1 + data.Length] : new byte[1 + data.Length];
        buffer[0] = 0x00;
        data.CopyTo(buffer[1..]);
        return SHA256.HashData(buffer);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * HashSize];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>The audit path of the leaf at zero-based <paramref name="index"/>, from the leaf up (RFC 9162 §2.1.3.1).</summary>
    public IReadOnlyList<byte[]> InclusionProof(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        var proof = new List<byte[]>();
        for (var l = 0; l < levels.Count - 1; l++, index >>= 1)
        {
            var sibling = index ^ 1;
            if (sibling < levels[l].Length)
            {
                proof.Add(levels[l][sibling]);
            }
        }
        return proof;
    }

    /// <summary>
    /// The proof that the tree of the first <paramref name="first"/> leaves is a prefix of this one
    /// (RFC 9162 §2.1.4.1). Empty when <paramref name="first"/> is 0 or the whole tree.
    /// </summary>
    public IReadOnlyList<byte[]> ConsistencyProof(long first)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first, Size);
        var proof = new List<byte[]>();
        if (first > 0)
        {
            SubProof(first, 0, Size, true, proof);
        }
        return proof;
    }

    void SubProof(long m, long start, long end, bool whole, List<byte[]> proof)
    {
        var n = end - start;
        if (m == n)
        {
            if (!whole)
            {
                proof.Add(Node(start, end));
            }
            return;
        }
        var k = LargestPowerOfTwoBelow(n);
        if (m <= k)
        {
            SubProof(m, start, start + k, whole, proof);
            proof.Add(Node(start + k, end));
        }
        else
        {
            SubProof(m - k, start + k, end, false, proof);
            proof.Add(Node(start, start + k));
        }
    }

    /// <summary>
    /// The hash of leaves [start, end): always one node of this tree here, at the level of the
    /// smallest power of two that holds it (a subtree on the right edge is carried up unhashed).
    /// </summary>
    byte[] Node(long start, long end)
    {
        var level = end - start == 1 ? 0 : 64 - BitOperations.LeadingZeroCount((ulong)(end - start - 1));
        return levels[level][start >> level];
    }

    static long LargestPowerOfTwoBelow(long n) => 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));

    /// <summary>RFC 9162 §2.1.3.2: true when <paramref name="proof"/> places this leaf at this index of the tree with this root.</summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= size || leafHash.Length != HashSize || root.Length != HashSize || proof.Any(p => p.Length != HashSize))
        {
            return false;
        }
        long fn = index, sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>RFC 9162 §2.1.4.2: true when the tree of <paramref name="second"/> leaves with root
    /// <paramref name="secondRoot"/> only grew from the tree of <paramref name="first"/> leaves with root <paramref name="firstRoot"/>.</summary>
    public static bool VerifyConsistency(long first, long second, ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot, IReadOnlyList<byte[]> proof)
    {
        if (first < 0 || second < first || firstRoot.Length != HashSize || secondRoot.Length != HashSize || proof.Any(p => p.Length != HashSize))
        {
            return false;
        }
        if (first == second)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(firstRoot, secondRoot);
        }
        if (first == 0)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(firstRoot, EmptyRoot);
        }
        if (proof.Count == 0)
        {
            return false;
        }
        var path = new List<byte[]>(proof.Count + 1);
        if ((first & (first - 1)) == 0)
        {
            path.Add(firstRoot.ToArray());
        }
        path.AddRange(proof);
        long fn = first - 1, sn = second - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path[0], sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && CryptographicOperations.FixedTimeEquals(fr, firstRoot) && CryptographicOperations.FixedTimeEquals(sr, secondRoot);
    }
}
