using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.Projections.Rules;

namespace ComplianceLedger.Tests.OfficialAccounts;

/// <summary>The register's refusal of duplicates and of a URL that names another handle, pure: no database.</summary>
public sealed class RegisterDuplicateDecisionTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
    static readonly School School = new(true, ["bpa.sch.uk"], null);
    static readonly Person Owner = new(true, [Role.Teacher], false, false);

    static RegisterAccount.Command Command(Platform platform, string handle, string url) =>
        new(Guid.CreateVersion7(Now), platform, handle, url, "p", "o", Guid.CreateVersion7(Now), "sealed", "bpa.sch.uk", "person:x", Now);

    [Theory]
    [InlineData("@PE_BPA", "pe_bpa")]
    [InlineData("PE_BPA", "pe_bpa")]
    [InlineData("  @Pe_Bpa ", "pe_bpa")]
    [InlineData("@@double", "@double")]
    public void The_same_handle_is_recognised_whatever_its_case_and_leading_at_sign(string handle, string key) =>
        Assert.Equal(key, AccountHandles.Key(handle));

    [Fact]
    public void An_account_already_on_the_register_is_refused_naming_the_existing_record()
    {
        var existing = new RegisterAccount.SameAccount(Guid.Parse("0190a0b0-0000-7000-8000-0000000000a1"), "@PE_BPA");

        var refused = Assert.Throws<RegisterAccount.AlreadyRegisteredException>(() =>
            RegisterAccount.Decide(Command(Platform.X, "@pe_bpa", "https://x.com/pe_bpa"), School, Owner, existing, Account.Stream.Initial));

        Assert.Equal(existing, refused.Existing);
        Assert.Contains("0190a0b0-0000-7000-8000-0000000000a1", refused.Message, StringComparison.Ordinal);
        Assert.Contains("decommission", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_account_not_on_the_register_is_registered()
    {
        var events = RegisterAccount.Decide(Command(Platform.X, "@PE_BPA", "https://twitter.com/pe_bpa"), School, Owner, null, Account.Stream.Initial);
        Assert.IsType<AccountRegistered>(Assert.Single(events));
    }

    [Theory]
    [InlineData(Platform.X, "@PE_BPA", "https://x.com/PEBPA", "https://x.com/PE_BPA")]
    [InlineData(Platform.X, "@PE_BPA", "https://facebook.com/PE_BPA", "x.com or twitter.com")]
    [InlineData(Platform.Instagram, "@sport_bpa", "https://www.instagram.com/sportbpa/", "https://www.instagram.com/sport_bpa")]
    [InlineData(Platform.Facebook, "@ParentsBPA", "https://m.facebook.com/OtherSchool", "https://www.facebook.com/ParentsBPA")]
    [InlineData(Platform.Tiktok, "@DramaBPA", "https://www.tiktok.com/@drama", "https://www.tiktok.com/@DramaBPA")]
    [InlineData(Platform.Youtube, "@ScienceBPA", "https://www.youtube.com/@MathsBPA", "https://www.youtube.com/@ScienceBPA")]
    [InlineData(Platform.Youtube, "@ScienceBPA", "https://www.youtube.com/", "https://www.youtube.com/@ScienceBPA")]
    public void A_url_that_names_another_handle_is_refused_saying_what_was_expected(Platform platform, string handle, string url, string expected)
    {
        var refused = Assert.Throws<CommandRefusedException>(() =>
            RegisterAccount.Decide(Command(platform, handle, url), School, Owner, null, Account.Stream.Initial));

        Assert.Equal(400, refused.Status);
        Assert.StartsWith("url ", refused.Message, StringComparison.Ordinal);
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Platform.X, "@PE_BPA", "https://x.com/pe_bpa")]
    [InlineData(Platform.X, "PE_BPA", "https://mobile.twitter.com/@PE_BPA?lang=en")]
    [InlineData(Platform.Instagram, "@sport_bpa", "https://www.instagram.com/Sport_BPA/")]
    [InlineData(Platform.Facebook, "@ParentsBPA", "https://www.facebook.com/profile.php?id=100064")]
    [InlineData(Platform.Facebook, "ParentsBPA", "https://facebook.com/parentsbpa")]
    [InlineData(Platform.Tiktok, "@DramaBPA", "https://www.tiktok.com/@dramabpa")]
    [InlineData(Platform.Youtube, "@ScienceBPA", "https://www.youtube.com/channel/UC1234567890")]
    [InlineData(Platform.ClassDojo, "@Computing", "https://www.classdojo.com/anything")]
    [InlineData(Platform.Linkedin, "@bpa", "https://www.linkedin.com/company/brookfield")]
    [InlineData(Platform.Other, "@bpa", "https://example.org/blog")]
    public void A_url_that_is_the_handles_address_or_does_not_carry_a_handle_is_accepted(Platform platform, string handle, string url) =>
        Assert.Single(RegisterAccount.Decide(Command(platform, handle, url), School, Owner, null, Account.Stream.Initial));
}
