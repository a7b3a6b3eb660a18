using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Schools;

namespace ComplianceLedger.Tests.Schools;

/// <summary>The school's official-account rules, decided without a database.</summary>
public sealed class SetAccountRulesTests
{
    static readonly School Registered = new(true, ["old.sch.uk"], null);
    static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Email_domains_are_recorded_once_each_in_lower_case()
    {
        var events = SetAccountRules.Decide(new(["Oak.sch.uk", "oak.sch.uk", "mail.oak.sch.uk", "OAK.SCH.UK"], "OAK", "person:head", Now), Registered);

        var set = Assert.IsType<SchoolAccountRulesSet>(Assert.Single(events));
        Assert.Equal(["oak.sch.uk", "mail.oak.sch.uk"], set.EmailDomains);
    }

    [Fact]
    public void No_domain_or_a_malformed_tag_is_refused()
    {
        Assert.Throws<CommandRefusedException>(() => SetAccountRules.Decide(new([], null, "person:head", Now), Registered));
        Assert.Throws<CommandRefusedException>(() => SetAccountRules.Decide(new(["oak.sch.uk"], "O A K", "person:head", Now), Registered));
    }
}
