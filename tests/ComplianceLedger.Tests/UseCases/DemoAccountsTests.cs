using System.Text.Json;
using ComplianceLedger.Api.Demo;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.UseCases;

/// <summary>The demo accounts show one compliant account and each kind of shortfall.</summary>
public sealed class DemoAccountsTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    [Fact]
    public async Task The_demo_seeds_six_accounts_each_flagged_for_its_own_shortfall()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())));
        var school = arranged.School;
        var people = school.People.ToDictionary(p => Roles.Name(p.Key), p => p.Value);

        var ids = await DemoAccounts.SeedAsync(app.Services, school.Urn, people, TimeProvider.System);

        var register = (await UseCaseChecks.GetJson(await school.As(Role.Governor), $"/api/schools/{school.Urn}/official-accounts")).GetProperty("items");
        var flags = register.EnumerateArray().ToDictionary(
            a => a.GetProperty("accountId").GetGuid(),
            a => a.GetProperty("flags").EnumerateArray().Select(f => $"{f.GetProperty("rule").GetString()}:{f.GetProperty("status").GetString()}").ToList());
        Assert.Equal(6, flags.Count);
        Assert.Empty(flags[ids[0]]);
        Assert.Equal(["account-school-email:attention"], flags[ids[1]]);
        Assert.Contains("account-handle-tag:attention", flags[ids[2]]);
        Assert.Equal(["account-credential-custody:attention"], flags[ids[3]]);
        Assert.Equal(["account-approved-before-use:attention"], flags[ids[4]]);
        Assert.Equal(["account-credential-rotation:overdue", "account-owner-current:attention"], flags[ids[5]]);
        Assert.All(register.EnumerateArray(), a => Assert.NotEqual("(erased)", a.GetProperty("owner").GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Array, register.ValueKind);
    }
}
