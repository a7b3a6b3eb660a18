using ComplianceLedger.EventStore.Checkpoints;

namespace ComplianceLedger.Tests.Verification;

/// <summary>The governors' digest reads back from what a clerk's word processor makes of it.</summary>
public sealed class TreeHeadDigestTests
{
    static TreeHead Signed(SigningKey key, long size = 1234)
    {
        var root = System.Security.Cryptography.SHA256.HashData("root"u8);
        var at = new DateTimeOffset(2026, 12, 7, 14, 0, 0, TimeSpan.Zero).AddTicks(12_340);
        return new TreeHead("100001", size, root, at, key.KeyId, key.Sign(Checkpoint.TreeHeadSignedBytes("100001", size, root, at, key.KeyId)));
    }

    [Fact]
    public void A_digest_reads_back_to_the_same_signed_tree_head()
    {
        using var key = SampleLedger.NewKey();
        var head = Signed(key);
        var digest = head.ToDigest("Oakfield Primary School");

        Assert.StartsWith("ComplianceLedger digest for school URN 100001 (Oakfield Primary School)\n", digest, StringComparison.Ordinal);
        var read = Assert.Single(TreeHead.ParseDigests(digest));
        Assert.Equal(head.SignedBytes, read.SignedBytes);
        Assert.Equal(head.Signature, read.Signature);
        Assert.True(read.IsSignedBy(key.PublicKey));
    }

    [Fact]
    public void A_digest_reflowed_upper_cased_and_pasted_among_other_text_still_reads()
    {
        using var key = SampleLedger.NewKey();
        var head = Signed(key);
        var digest = head.ToDigest();
        var signatureHex = Convert.ToHexStringLower(head.Signature);
        // Minutes: text before and after, the long values broken across lines, capitals, tabs.
        var pasted = "Item 4. The clerk recorded the ledger's digest:\r\n\r\n" +
            digest.Replace(Convert.ToHexStringLower(head.Root), Convert.ToHexString(head.Root)[..30] + "\r\n  " + Convert.ToHexString(head.Root)[30..], StringComparison.Ordinal)
                  .Replace(signatureHex[..64] + "\n           " + signatureHex[64..], signatureHex[..40] + " \t" + signatureHex[40..100] + "\r\n" + signatureHex[100..], StringComparison.Ordinal)
                  .Replace("\n", "\r\n", StringComparison.Ordinal) +
            "\r\nItem 5. Any other business.";

        var read = Assert.Single(TreeHead.ParseDigests(pasted));
        Assert.True(read.IsSignedBy(key.PublicKey));
        Assert.Equal(head.Root, read.Root);
    }

    [Fact]
    public void Several_digests_in_one_text_are_each_read()
    {
        using var key = SampleLedger.NewKey();
        var heads = TreeHead.ParseDigests(Signed(key, 10).ToDigest() + "\n" + Signed(key, 20).ToDigest("A school"));
        Assert.Equal([10L, 20L], heads.Select(h => h.TreeSize));
    }

    [Theory]
    [InlineData("", "No digest found")]
    [InlineData("ComplianceLedger digest for school URN 100001\nEvents: 3\n", "has no valid \"Root:\" line")]
    [InlineData("ComplianceLedger digest for school URN 100001\nEvents: 0\n", "\"Events:\" must be at least 1")]
    public void A_broken_digest_is_refused_in_words(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => TreeHead.ParseDigests(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
