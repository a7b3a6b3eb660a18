using System.Net;
using System.Text;
using System.Text.Json;
using ComplianceLedger.Api.Credentials;
using ComplianceLedger.Api.Demo;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.EventStore.Verification;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.Credentials;

/// <summary>
/// Vault references are sealed like other free text: not readable in the ledger or the read
/// models, opened on the register, erased by shredding their key while the chain still verifies.
/// References recorded plain before sealing still read.
/// </summary>
public sealed class VaultReferenceSealingTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    static string Unique(string stem) => $"{stem} {Guid.NewGuid():N}"[..(stem.Length + 9)];

    static async Task<HttpResponseMessage> LodgeAsync(Arranged a, string custodian, string reference) =>
        await (await a.School.As(Role.Headteacher)).PostAsync($"/api/schools/{a.School.Urn}/official-accounts/{a["account"]}/custodians",
            Json($$"""{"custodianId":"{{custodian}}","vaultReference":"{{reference}}"}"""));

    static async Task<JsonElement> CustodiansAsync(Arranged a) =>
        (await UseCaseChecks.GetJson(await a.School.As(Role.Governor), $"/api/schools/{a.School.Urn}/official-accounts/{a["account"]}"))
            .GetProperty("item").GetProperty("custodians");

    [Fact]
    public async Task A_lodged_vault_reference_is_not_in_plain_text_in_the_ledger_or_the_read_models_and_opens_on_the_register()
    {
        var a = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var reference = Unique("KeePass: Comms/Science");

        var response = await LodgeAsync(a, a["slt"], reference);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM ledger.events e WHERE strpos(e::text, $1) > 0", reference));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM rm.account_custodians c WHERE strpos(c::text, $1) > 0", reference));
        var stored = await StoredReferencesAsync(a.School.Urn, "credentials.lodged.v1");
        Assert.True(PersonalDataVault.IsSealed(Assert.Single(stored)));
        Assert.Equal(reference, Assert.Single((await CustodiansAsync(a)).EnumerateArray()).GetProperty("vaultReference").GetString());
    }

    [Fact]
    public async Task After_shredding_its_key_a_vault_reference_reads_as_erased_the_chain_verifies_and_the_account_can_be_lodged_again()
    {
        var a = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        Assert.Equal(HttpStatusCode.Created, (await LodgeAsync(a, a["slt"], "KeePass: Comms/Slipped")).StatusCode);
        var sealedReference = Assert.Single(await StoredReferencesAsync(a.School.Urn, "credentials.lodged.v1"));
        var vault = app.Services.GetRequiredService<PersonalDataVault>();

        Assert.True(await vault.ShredAsync(a.School.Urn, PersonalDataVault.SubjectOf(sealedReference)!.Value, "person:test"));

        var custodian = Assert.Single((await CustodiansAsync(a)).EnumerateArray());
        Assert.Equal(ListPeople.Erased, custodian.GetProperty("vaultReference").GetString());
        // Only the reference is erased: the custodian's name still reads.
        Assert.Equal($"Slt of {a.School.Urn}", custodian.GetProperty("name").GetString());
        var verified = await new LedgerVerifier(app.AppDataSource).VerifyTenantAsync(a.School.Urn, new Dictionary<string, byte[]>());
        Assert.Empty(verified.Problems);
        Assert.True(verified.EventsChecked > 0);
        // The account goes on: a rotation lodges a new reference under a new key.
        var rotated = await (await a.School.As(Role.Headteacher)).PostAsync($"/api/schools/{a.School.Urn}/official-accounts/{a["account"]}/rotations",
            Json("""{"reason":"suspected-compromise","rotatedOn":"2026-10-09","vaultReference":"KeePass: Comms/Science (2026)"}"""));
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal("KeePass: Comms/Science (2026)", Assert.Single((await CustodiansAsync(a)).EnumerateArray()).GetProperty("vaultReference").GetString());
    }

    [Fact]
    public async Task A_rotation_seals_its_new_vault_reference_too()
    {
        var a = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Lodged);
        var reference = Unique("KeePass: Comms/Rotated");

        var response = await (await a.School.As(Role.Slt)).PostAsync($"/api/schools/{a.School.Urn}/official-accounts/{a["account"]}/rotations",
            Json($$"""{"reason":"scheduled","rotatedOn":"2026-10-09","vaultReference":"{{reference}}"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM ledger.events e WHERE strpos(e::text, $1) > 0", reference));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM rm.account_custodians c WHERE strpos(c::text, $1) > 0", reference));
        Assert.True(PersonalDataVault.IsSealed(Assert.Single(await StoredReferencesAsync(a.School.Urn, "credentials.rotated.v1"))));
        Assert.Equal(reference, Assert.Single((await CustodiansAsync(a)).EnumerateArray()).GetProperty("vaultReference").GetString());
    }

    [Fact]
    public async Task A_plain_vault_reference_recorded_before_references_were_sealed_still_reads()
    {
        var a = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        // As an older version of the app wrote it: the same event name, the reference in plain text.
        var response = await (await a.School.As(Role.Headteacher)).PostAsync($"/api/schools/{a.School.Urn}/streams/custody-{a["account"]}/events", Json($$$"""
            {"streamType":"custody","events":[{"type":"credentials.lodged.v1","data":{"accountId":"{{{a["account"]}}}","custodianId":"{{{a["slt"]}}}",
             "vaultReference":"KeePass: Comms/Old","lodgedBy":"person:{{{a["head"]}}}","lodgedAt":"2026-09-02T09:00:00Z"}}]}
            """));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("KeePass: Comms/Old", Assert.Single((await CustodiansAsync(a)).EnumerateArray()).GetProperty("vaultReference").GetString());
    }

    [Fact]
    public async Task The_demo_lodges_sealed_vault_references_that_pass_the_guard()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        await DemoAccounts.SeedAsync(app.Services, school.Urn, school.People.ToDictionary(p => Roles.Name(p.Key), p => p.Value), TimeProvider.System);

        var stored = await StoredReferencesAsync(school.Urn, "credentials.lodged.v1");
        Assert.NotEmpty(stored);
        var rotated = await StoredReferencesAsync(school.Urn, "credentials.rotated.v1");
        Assert.NotEmpty(rotated);
        stored.AddRange(rotated);
        Assert.All(stored, s => Assert.True(PersonalDataVault.IsSealed(s), "a demo vault reference is stored plain"));
        var opened = await app.Services.GetRequiredService<PersonalDataVault>().OpenAsync(school.Urn, stored);
        Assert.All(opened.Values, reference =>
        {
            Assert.NotNull(reference);
            Assert.False(SecretGuard.LooksLikeSecret(reference, "vaultReference"), reference);
        });
    }

    async Task<List<string>> StoredReferencesAsync(string urn, string type)
    {
        await using var command = app.AdminDataSource.CreateCommand(
            "SELECT data->>'vaultReference' FROM ledger.events WHERE tenant = $1 AND event_type = $2 AND data ? 'vaultReference' AND data->>'vaultReference' IS NOT NULL ORDER BY chain_position");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = type });
        var found = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add(reader.GetString(0));
        }
        return found;
    }

    async Task<long> CountAsync(string sql, string text)
    {
        await using var command = app.AdminDataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
