using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.EventStore.Verification;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.EventStore;

public sealed class PersonalDataVaultTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    PersonalDataVault Vault() => new(db.AppDataSource, TimeProvider.System);

    [Fact]
    public async Task A_sealed_name_opens_for_its_school_and_is_not_readable_in_the_ledger()
    {
        var subject = Guid.CreateVersion7();
        var sealedName = await Vault().SealAsync("700001", subject, "Ms Amelia Hart");

        Assert.DoesNotContain("Hart", sealedName, StringComparison.Ordinal);
        Assert.StartsWith($"pd1:{subject}:", sealedName, StringComparison.Ordinal);
        Assert.Equal("Ms Amelia Hart", await Vault().OpenAsync("700001", sealedName));
        // Bound to its tenant: the same value does not open elsewhere.
        Assert.Null(await Vault().OpenAsync("700002", sealedName));
    }

    [Fact]
    public async Task Shredding_erases_every_sealed_value_of_the_subject_and_the_chain_still_verifies()
    {
        var subject = Guid.CreateVersion7();
        var vault = Vault();
        var name = await vault.SealAsync("700003", subject, "Mr Tom Reed");
        var note = await vault.SealAsync("700003", subject, "nephew in Year 4");
        await db.Store().AppendAsync(new AppendRequest("700003", $"person-{subject}", "person", ExpectedVersion.NoStream,
            [new NewEvent("person.enrolled.v1", $$"""{"name":"{{name}}","note":"{{note}}"}""")], new EventMetadata("person:office")));

        Assert.True(await vault.ShredAsync("700003", subject, "person:head"));

        var opened = await vault.OpenAsync("700003", [name, note]);
        Assert.All(opened.Values, Assert.Null);
        var verified = await new LedgerVerifier(db.AppDataSource).VerifyTenantAsync("700003", new Dictionary<string, byte[]>());
        Assert.Empty(verified.Problems);
        await Assert.ThrowsAsync<InvalidOperationException>(() => vault.SealAsync("700003", subject, "again"));
        Assert.False(await vault.ShredAsync("700003", subject, "person:head"));
    }

    [Fact]
    public async Task A_shredded_key_cannot_be_restored_even_by_the_application_role()
    {
        var subject = Guid.CreateVersion7();
        await Vault().SealAsync("700004", subject, "x");
        await Vault().ShredAsync("700004", subject, "person:head");

        await using var command = db.AppDataSource.CreateCommand(
            "UPDATE ledger.subject_keys SET key = '\\x" + new string('0', 64) + "', shredded_at = NULL WHERE tenant = '700004'");
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal("LDG11", refused.SqlState);
    }

    [Fact]
    public async Task A_tampered_or_foreign_value_opens_to_nothing()
    {
        var subject = Guid.CreateVersion7();
        var sealedName = await Vault().SealAsync("700005", subject, "Dr Priya Shah");
        var other = Guid.CreateVersion7();
        await Vault().SealAsync("700005", other, "someone else");

        var movedToOther = sealedName.Replace(subject.ToString(), other.ToString(), StringComparison.Ordinal);
        var opened = await Vault().OpenAsync("700005", [movedToOther, "pd1:not-a-guid:xx", "pd1:" + subject + ":!!"]);
        Assert.All(opened.Values, Assert.Null);
    }
}
