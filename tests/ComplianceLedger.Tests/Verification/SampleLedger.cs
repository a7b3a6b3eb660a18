using System.Security.Cryptography;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Verification;

/// <summary>Builds realistic tenants: events over several streams and signed checkpoints.</summary>
public static class SampleLedger
{
    static readonly string[] Streams = ["person-1", "person-2", "policy-social-media"];

    public static SigningKey NewKey() =>
        SigningKey.FromPem(ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem());

    /// <summary>Writes the key's public half to a temporary PEM file and returns its path.</summary>
    public static string WritePublicKeyFile(SigningKey key)
    {
        var path = Path.Combine(Path.GetTempPath(), $"ledger-key-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, key.PublicKeyPem());
        return path;
    }

    /// <summary>
    /// Appends commands <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), two
    /// events each, round-robin over three streams, and has <paramref name="key"/> sign a checkpoint
    /// after every fifth. The default gives 20 events with checkpoints at positions 10 and 20.
    /// </summary>
    public static async Task SeedAsync(LedgerDatabase db, string tenant, SigningKey key, int from = 0, int to = 10)
    {
        var time = new FixedTime(new DateTimeOffset(2026, 9, 1, 8, 30, 0, TimeSpan.Zero).AddMinutes(from));
        var store = db.Store(time);
        var issuer = new CheckpointIssuer(db.AppDataSource, key, time);
        for (var i = from; i < to; i++)
        {
            await store.AppendAsync(new AppendRequest(tenant, Streams[i % Streams.Length], "person", ExpectedVersion.Any,
                [
                    new NewEvent("policy.acknowledged.v1", $$"""{"policyId":"social-media","version":"3","read":{{i}}}"""),
                    new NewEvent("declaration.submitted.v1", $$"""{"accounts":[{"platform":"x","handle":"@head{{i}}"}],"official":false}"""),
                ],
                new EventMetadata("person:head-1", $"corr-{i}", $"cause-{i}", $"cmd-{i}")));
            time.Now += TimeSpan.FromMinutes(1);
            if ((i + 1) % 5 == 0)
            {
                await issuer.IssueAsync(tenant);
            }
        }
    }
}
