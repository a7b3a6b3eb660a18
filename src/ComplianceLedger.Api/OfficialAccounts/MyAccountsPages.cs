using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.OfficialAccounts.Pages;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>
/// "My official accounts": the accounts a member of staff owns, and those whose login they hold as
/// a custodian, from the same register the office keeps. Anyone may see their own; the whole
/// register stays with those who may read it.
/// </summary>
public static class MyAccountsPages
{
    public static RouteGroupBuilder MapMyAccountsPages(this RouteGroupBuilder school)
    {
        school.MapGet("/my-accounts", MyAccountsAsync);
        return school;
    }

    static async Task<RazorComponentResult<MyAccountsPage>> MyAccountsAsync(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, CancellationToken ct)
    {
        var register = (await AccountRegister.List(urn, readModels, vault, ct)).Value!;
        var me = member.PersonId;
        var owned = register.Items.Where(a => a.Owner.PersonId == me).ToList();
        // Only their own custodianship is theirs to read: not the others' vault references.
        var held = register.Items.Where(a => a.Custodians.Any(c => c.PersonId == me))
            .Select(a => (Account: a, Mine: a.Custodians.First(c => c.PersonId == me))).ToList();
        return new RazorComponentResult<MyAccountsPage>(new { Urn = urn, Owned = owned, Held = held, AsOf = register.AsOf });
    }
}
