using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.Verification;

namespace ComplianceLedger.Tests.Cli;

/// <summary>Three clean tenants signed by one key, whose private and public PEM files it keeps.</summary>
public sealed class CleanLedger : IAsyncLifetime
{
    public LedgerDatabase Db { get; } = new();
    public string PrivateKeyFile { get; } = Path.Combine(Path.GetTempPath(), $"ledger-private-key-{Guid.NewGuid():N}.pem");
    public string PublicKeyFile { get; } = Path.Combine(Path.GetTempPath(), $"ledger-public-key-{Guid.NewGuid():N}.pem");
    public string KeyId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        using (var ecdsa = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(PrivateKeyFile, ecdsa.ExportPkcs8PrivateKeyPem());
        }
        using var key = SigningKey.FromFile(PrivateKeyFile, createIfMissing: false);
        KeyId = key.KeyId;
        await File.WriteAllTextAsync(PublicKeyFile, key.PublicKeyPem());
        await SampleLedger.SeedAsync(Db, "160001", key);
        await SampleLedger.SeedAsync(Db, "160002", key, from: 0, to: 5);
        await SampleLedger.SeedAsync(Db, "160003", key, from: 0, to: 3);
    }

    public async Task DisposeAsync()
    {
        File.Delete(PrivateKeyFile);
        File.Delete(PublicKeyFile);
        await Db.DisposeAsync();
    }
}
