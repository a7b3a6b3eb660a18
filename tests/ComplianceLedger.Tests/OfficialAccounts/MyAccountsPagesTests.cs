using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.OfficialAccounts;

/// <summary>A member of staff sees the official accounts they run and the logins they hold, and nobody else's custody.</summary>
public sealed class MyAccountsPagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    [Fact]
    public async Task The_owner_sees_their_account_and_the_custodian_sees_only_their_own_lodging()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, OfficialAccountContractTests.Lodged);
        await app.ProjectionsCaughtUpAsync();
        var urn = arranged.School.Urn;

        var owner = await (await arranged.School.As(Role.Teacher)).GetPageAsync($"/schools/{urn}/my-accounts");
        var ownedRows = owner.QuerySelectorAll("table")[0].QuerySelectorAll("tbody tr");
        Assert.Contains("@ScienceTST", Assert.Single(ownedRows).TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("KeePass", owner.Body!.TextContent, StringComparison.Ordinal);

        var custodian = await (await arranged.School.As(Role.Slt)).GetPageAsync($"/schools/{urn}/my-accounts");
        Assert.Contains("You run no official accounts.", custodian.Body!.TextContent, StringComparison.Ordinal);
        var held = Assert.Single(custodian.QuerySelectorAll("table tbody tr"));
        Assert.Contains("KeePass: Comms/YouTube", held.TextContent, StringComparison.Ordinal);

        var bystander = await (await arranged.School.As(Role.Volunteer)).GetPageAsync($"/schools/{urn}/my-accounts");
        Assert.Empty(bystander.QuerySelectorAll("table"));
        Assert.DoesNotContain("@ScienceTST", bystander.Body!.TextContent, StringComparison.Ordinal);
    }
}
