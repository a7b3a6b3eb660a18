using System.Security.Cryptography;
using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.Tests.Chain;

/// <summary>
/// The pack verifier's shortcut over many proofs gives, proof by proof, the answer of checking
/// each on its own: every true proof holds, and every altered one fails, wherever it follows.
/// </summary>
public sealed class InclusionRunTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(1000)]
    public void Every_proof_of_a_run_agrees_with_checking_it_alone(int size)
    {
        var random = new Random(size);
        var leaves = Enumerable.Range(0, size).Select(_ => MerkleTree.LeafHash(RandomNumberGenerator.GetBytes(32))).ToList();
        var tree = new MerkleTree(leaves);
        var run = new InclusionRun(size, tree.Root);
        var first = random.Next(size);
        for (var i = first; i < size; i++)
        {
            var proof = tree.InclusionProof(i).ToList();
            var altered = random.Next(4) == 0 && proof.Count > 0;
            if (altered)
            {
                switch (random.Next(3))
                {
                    case 0:
                        var at = random.Next(proof.Count);
                        var hash = (byte[])proof[at].Clone();
                        hash[random.Next(32)] ^= 1;
                        proof[at] = hash;
                        break;
                    case 1:
                        proof.RemoveAt(proof.Count - 1);
                        break;
                    default:
                        proof.Add(new byte[32]);
                        break;
                }
            }
            var alone = MerkleTree.VerifyInclusion(leaves[i], i, size, proof, tree.Root);
            Assert.Equal(!altered, alone);
            Assert.Equal(alone, run.Check(i, leaves[i], proof));
        }
    }

    [Fact]
    public void A_leaf_that_is_not_the_trees_fails_even_when_it_follows_a_proved_one()
    {
        var leaves = Enumerable.Range(0, 10).Select(i => MerkleTree.LeafHash([(byte)i])).ToList();
        var tree = new MerkleTree(leaves);
        var run = new InclusionRun(10, tree.Root);
        Assert.True(run.Check(4, leaves[4], tree.InclusionProof(4)));
        Assert.False(run.Check(5, MerkleTree.LeafHash([99]), tree.InclusionProof(5)));
        Assert.True(run.Check(6, leaves[6], tree.InclusionProof(6)));
        Assert.False(run.Check(7, leaves[7], tree.InclusionProof(6)));
    }
}
