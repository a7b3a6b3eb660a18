using System.Net;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.UseCases;

/// <summary>The official-account rules on the school's dashboard, end to end over HTTP.</summary>
public sealed class OfficialAccountComplianceTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static Task<JsonElement> Send(TestSchool school, Role role, string path, string body, HttpMethod? method = null) =>
        OfficialAccountContractTests.Send(school, role, path, body, method);

    static async Task<JsonElement> Item(TestSchool school, string rule, string account)
    {
        var items = (await UseCaseChecks.GetJson(await school.As(Role.Governor), $"/api/schools/{school.Urn}/compliance/items?rule={rule}")).GetProperty("items");
        return Assert.Single(items.EnumerateArray(), i => i.GetProperty("subjectId").GetString() == account);
    }

    [Fact]
    public async Task An_account_whose_owner_left_is_flagged_credentials_not_rotated_until_a_rotation_is_recorded()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Lodged);
        var (school, account) = (arranged.School, arranged["account"]);
        Assert.Equal("ok", (await Item(school, "account-credential-rotation", account)).GetProperty("status").GetString());

        var left = await Send(school, Role.Headteacher, $"/people/{arranged["teacher"]}/leaving", """{"leftOn":"2026-11-01"}""");

        var flagged = await Item(school, "account-credential-rotation", account);
        Assert.Equal("overdue", flagged.GetProperty("status").GetString());
        Assert.Contains("credentials not rotated", flagged.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("owner left", flagged.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(arranged["teacher"], flagged.GetProperty("personId").GetString());
        Assert.Equal(account, flagged.GetProperty("scope").GetString());
        Assert.Contains(left.GetProperty("positions")[0].GetInt64(), flagged.GetProperty("proof").EnumerateArray().Select(p => p.GetInt64()));
        Assert.Equal("attention", (await Item(school, "account-owner-current", account)).GetProperty("status").GetString());

        var rotated = await Send(school, Role.Slt, $"/official-accounts/{account}/rotations", """{"reason":"owner-left","rotatedOn":"2026-11-02"}""");

        var ok = await Item(school, "account-credential-rotation", account);
        Assert.Equal("ok", ok.GetProperty("status").GetString());
        Assert.Contains("rotated on 2026-11-02", ok.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(rotated.GetProperty("positions")[0].GetInt64(), ok.GetProperty("proof").EnumerateArray().Select(p => p.GetInt64()));
    }

    [Fact]
    public async Task A_custodian_who_leaves_leadership_no_longer_counts_and_the_login_needs_rotating()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Lodged);
        var (school, account) = (arranged.School, arranged["account"]);
        Assert.Equal("ok", (await Item(school, "account-credential-custody", account)).GetProperty("status").GetString());

        await Send(school, Role.Headteacher, $"/people/{arranged["slt"]}/roles", """{"roles":["teacher"],"effectiveOn":"2026-11-01"}""", HttpMethod.Put);

        Assert.Equal("attention", (await Item(school, "account-credential-custody", account)).GetProperty("status").GetString());
        var rotation = await Item(school, "account-credential-rotation", account);
        Assert.Equal("overdue", rotation.GetProperty("status").GetString());
        Assert.Contains("a custodian changed role", rotation.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await Send(school, Role.Headteacher, $"/official-accounts/{account}/custodians",
            $$"""{"custodianId":"{{arranged["head"]}}","vaultReference":"KeePass: Comms/YouTube"}""");
        Assert.Equal("ok", (await Item(school, "account-credential-custody", account)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Changing_the_schools_handle_tag_rejudges_its_accounts()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var (school, account) = (arranged.School, arranged["account"]);
        Assert.Equal("ok", (await Item(school, "account-handle-tag", account)).GetProperty("status").GetString());

        await Send(school, Role.Headteacher, "/account-rules", """{"emailDomains":["test.sch.uk"],"handleTag":"OAK"}""", HttpMethod.Put);

        var item = await Item(school, "account-handle-tag", account);
        Assert.Equal("attention", item.GetProperty("status").GetString());
        Assert.Contains("OAK", item.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_decommissioned_account_is_no_longer_judged()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Registered);
        var (school, account) = (arranged.School, arranged["account"]);
        await Send(school, Role.Slt, $"/official-accounts/{account}/decommissioning", """{"decommissionedOn":"2026-11-01"}""");

        var items = (await UseCaseChecks.GetJson(await school.As(Role.Governor), $"/api/schools/{school.Urn}/compliance/items")).GetProperty("items");
        Assert.DoesNotContain(items.EnumerateArray(), i => i.GetProperty("subjectId").GetString() == account);
        var again = await (await school.As(Role.Slt)).PostAsync($"/api/schools/{school.Urn}/official-accounts/{account}/first-use",
            new StringContent("""{"firstUsedOn":"2026-11-01"}""", System.Text.Encoding.UTF8, "application/json"));
        await UseCase.AssertProblem(again, HttpStatusCode.Conflict, "acting on a decommissioned account");
    }

    [Fact]
    public async Task Rebuilding_the_read_models_gives_the_same_account_rows_as_the_live_run()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Approved);
        var (school, first) = (arranged.School, arranged["account"]);
        await Send(school, Role.Slt, $"/official-accounts/{first}/first-use", """{"firstUsedOn":"2026-09-01"}""");
        await Send(school, Role.Headteacher, $"/official-accounts/{first}/custodians", $$"""{"custodianId":"{{arranged["slt"]}}","vaultReference":"Vault A"}""");
        await Send(school, Role.Headteacher, $"/official-accounts/{first}/custodians", $$"""{"custodianId":"{{arranged["head"]}}","vaultReference":"Vault B"}""");
        await Send(school, Role.Slt, $"/official-accounts/{first}/break-glass-accesses", """{"reason":"Owner absent"}""");
        await Send(school, Role.Slt, $"/official-accounts/{first}/owner", $$"""{"ownerId":"{{arranged["slt"]}}","effectiveOn":"2026-10-01"}""", HttpMethod.Put);
        await Send(school, Role.Headteacher, $"/official-accounts/{first}/custodians/{arranged["head"]}/removal", """{"reason":"reassigned"}""");
        var second = await OfficialAccountContractTests.RegisterAsync(school, handle: "@PlainHandle", email: "someone@gmail.com");
        await Send(school, Role.Headteacher, $"/official-accounts/{second}/custodians", $$"""{"custodianId":"{{arranged["head"]}}","vaultReference":"Vault C"}""");
        await Send(school, Role.Headteacher, $"/people/{arranged["teacher"]}/leaving", """{"leftOn":"2026-11-01"}""");
        await Send(school, Role.Dsl, $"/official-accounts/{first}/rotations", """{"reason":"owner-left","rotatedOn":"2026-11-02"}""");
        await Send(school, Role.Headteacher, $"/people/{arranged["slt"]}/roles", """{"roles":["teacher"],"effectiveOn":"2026-11-03"}""", HttpMethod.Put);
        await Send(school, Role.Dsl, "/credential-sharing-reports",
            $$"""{"reportedBy":"{{arranged["head"]}}","accountId":"{{second}}","what":"official-account-login","channel":"email","occurredOn":"2026-11-04"}""");
        var live = await SnapshotAsync(school.Urn);
        Assert.Contains("credentials not rotated", live, StringComparison.Ordinal);

        var services = app.Services;
        await ProjectionRebuild.RunAsync(services.GetRequiredService<NpgsqlDataSource>(), [.. services.GetServices<IProjection>()], tenant: school.Urn);

        Assert.Equal(live, await SnapshotAsync(school.Urn));
    }

    async Task<string> SnapshotAsync(string urn)
    {
        string[] tables =
        [
            "rm.official_accounts", "rm.account_custodians", "rm.credential_rotations", "rm.credential_accesses", "rm.credential_holders",
            "rm.credential_rotation_triggers", "rm.credential_sharing_reports",
        ];
        var sql = string.Join("\nUNION ALL\n", tables.Select(t => $"SELECT '{t}: ' || x::text AS row FROM {t} x WHERE x.tenant = $1")
            .Append("SELECT 'rm.compliance: ' || x::text FROM rm.compliance x WHERE x.tenant = $1 AND x.subject_kind = 'account'"));
        await using var command = app.AdminDataSource.CreateCommand($"SELECT string_agg(row, E'\\n' ORDER BY row) FROM ({sql}) s");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
