using ComplianceLedger.Api.Retention;
using Microsoft.Extensions.Configuration;

namespace ComplianceLedger.Tests.Retention;

/// <summary>The retention rule on its own, with no database: every day across the years around each date it falls due.</summary>
public sealed class RetentionDueTests
{
    static readonly RetentionTable Table = RetentionTable.Defaults;
    static readonly DateOnly Left = new(2019, 7, 31);

    static PersonFacts Leaver(DateOnly? left = null, bool governor = false, IReadOnlyList<HeldItem>? items = null, IReadOnlyList<DateOnly>? incidents = null) =>
        new(Guid.CreateVersion7(), left ?? Left, governor, HasAcknowledgements: true, items ?? [], incidents ?? []);

    /// <summary>The first day from <paramref name="from"/> on that <paramref name="facts"/> is due, looking day by day for <paramref name="years"/> years.</summary>
    static DateOnly? FirstDueDay(SubjectFacts facts, RetentionTable table, DateOnly from, int years)
    {
        for (var day = from; day < from.AddYears(years); day = day.AddDays(1))
        {
            if (RetentionDue.Due(facts, table, day).Due)
            {
                return day;
            }
        }
        return null;
    }

    [Fact]
    public void A_leaver_falls_due_six_years_to_the_day_after_leaving_and_not_a_day_before()
    {
        var leaver = Leaver();
        Assert.Equal(new DateOnly(2025, 7, 31), FirstDueDay(leaver, Table, Left, years: 10));
        var before = RetentionDue.Due(leaver, Table, new DateOnly(2025, 7, 30));
        Assert.False(before.Due);
        Assert.Equal(new DateOnly(2025, 7, 31), before.On);
        var on = RetentionDue.Due(leaver, Table, new DateOnly(2025, 7, 31));
        Assert.True(on.Due);
        Assert.Equal("leaver-6y", on.Rule!.Name);
        Assert.Contains("acknowledgements (the name on them)", on.Records);
        // Once due, due on every later day.
        Assert.All(Enumerable.Range(0, 3 * 366), d => Assert.True(RetentionDue.Due(leaver, Table, new DateOnly(2025, 7, 31).AddDays(d)).Due));
    }

    [Fact]
    public void A_current_person_is_never_due_however_long_ago_they_started()
    {
        var current = new PersonFacts(Guid.CreateVersion7(), null, false, true, [], [new DateOnly(1990, 1, 1)]);
        Assert.Null(FirstDueDay(current, Table, new DateOnly(2000, 1, 1), years: 40));
        Assert.Equal("a current member of the school", RetentionDue.Due(current, Table, new DateOnly(2040, 1, 1)).Why);
        // Nor someone whose leaving is recorded for a day still to come, until six years after it.
        var leaving = Leaver(new DateOnly(2027, 8, 31));
        Assert.False(RetentionDue.Due(leaving, Table, new DateOnly(2027, 8, 30)).Due);
        Assert.Equal(new DateOnly(2033, 8, 31), FirstDueDay(leaving, Table, new DateOnly(2026, 1, 1), years: 10));
    }

    [Fact]
    public void One_key_seals_everything_so_the_latest_rule_decides_and_is_named()
    {
        // A breach reported in 2018 keeps the person ten years from then: 2028, past the leaver's 2025.
        var reported = Leaver(incidents: [new DateOnly(2018, 3, 14)]);
        var verdict = RetentionDue.Due(reported, Table, new DateOnly(2026, 1, 1));
        Assert.False(verdict.Due);
        Assert.Equal(("incident-10y", new DateOnly(2028, 3, 14)), (verdict.Rule!.Name, verdict.On!.Value));
        Assert.Equal(new DateOnly(2028, 3, 14), FirstDueDay(reported, Table, Left, years: 12));
        Assert.Contains("reported incidents", verdict.Records);

        // A declaration closed after leaving ends at the leaving; one closed before, earlier: the leaver rule decides.
        var declared = Leaver(items: [new HeldItem(Guid.CreateVersion7(), true, new DateOnly(2016, 5, 1), null), new HeldItem(Guid.CreateVersion7(), false, new DateOnly(2020, 1, 1), null)]);
        var both = RetentionDue.Due(declared, Table, new DateOnly(2025, 7, 31));
        Assert.True(both.Due);
        Assert.Equal("leaver-6y", both.Rule!.Name);
        Assert.Contains("declarations", both.Records);
        Assert.Contains("exception requests", both.Records);
    }

    [Fact]
    public void An_approval_still_running_keeps_the_person_until_it_lapses_and_six_years_more()
    {
        var until = new DateOnly(2021, 12, 31);
        var approved = Leaver(items: [new HeldItem(Guid.CreateVersion7(), true, null, until)]);
        Assert.Equal("an approval that still runs", RetentionDue.Due(approved, Table, new DateOnly(2021, 12, 31)).Why);
        var verdict = RetentionDue.Due(approved, Table, new DateOnly(2026, 1, 1));
        Assert.Equal(("declaration-6y", new DateOnly(2028, 1, 1)), (verdict.Rule!.Name, verdict.On!.Value));
        Assert.Equal(new DateOnly(2028, 1, 1), FirstDueDay(approved, Table, Left, years: 12));
    }

    [Fact]
    public void A_governor_falls_under_the_governors_rule_and_a_longer_trust_period_for_it_decides()
    {
        var governor = Leaver(governor: true);
        Assert.Equal(("leaver-6y", new DateOnly(2025, 7, 31)), (RetentionDue.Due(governor, Table, Left).Rule!.Name, RetentionDue.Due(governor, Table, Left).On!.Value));
        var trust = RetentionTable.For("trust-g", Configuration(("Ledger:Retention:Trusts:trust-g:governor:Years", "8"),
            ("Ledger:Retention:Trusts:trust-g:governor:Source", "Trust board, 3 March 2026")));
        Assert.Equal(new DateOnly(2027, 7, 31), FirstDueDay(governor, trust, Left, years: 12));
        Assert.Equal("governor-8y", RetentionDue.Due(governor, trust, new DateOnly(2027, 7, 31)).Rule!.Name);
        Assert.True(trust.Overrides(trust[RetentionTable.Governor]));
        Assert.Equal("Trust override: Trust board, 3 March 2026", trust[RetentionTable.Governor].Source);
        Assert.False(trust.Overrides(trust[RetentionTable.Leaver]));
    }

    [Fact]
    public void A_trust_override_moves_the_date_and_other_trusts_keep_the_defaults()
    {
        var configuration = Configuration(("Ledger:Retention:Trusts:trust-o:leaver:Years", "3"));
        var leaver = Leaver();
        Assert.Equal(new DateOnly(2022, 7, 31), FirstDueDay(leaver, RetentionTable.For("trust-o", configuration), Left, years: 10));
        Assert.Equal(new DateOnly(2025, 7, 31), FirstDueDay(leaver, RetentionTable.For("trust-other", configuration), Left, years: 10));
        Assert.Equal(new DateOnly(2025, 7, 31), FirstDueDay(leaver, RetentionTable.For(null, configuration), Left, years: 10));
        Assert.Equal("Trust override (no reason given)", RetentionTable.For("trust-o", configuration)[RetentionTable.Leaver].Source);
    }

    [Fact]
    public void Leaving_on_the_29th_of_February_falls_due_on_the_28th_six_years_on()
    {
        Assert.Equal(new DateOnly(2026, 2, 28), FirstDueDay(Leaver(new DateOnly(2020, 2, 29)), Table, new DateOnly(2020, 2, 29), years: 10));
    }

    [Fact]
    public void A_vault_reference_falls_due_a_year_after_its_account_is_decommissioned_and_never_while_in_use()
    {
        var inUse = new VaultReferenceFacts(Guid.CreateVersion7(), Guid.CreateVersion7(), null);
        Assert.Null(FirstDueDay(inUse, Table, new DateOnly(2020, 1, 1), years: 20));
        var decommissioned = inUse with { DecommissionedOn = new DateOnly(2024, 3, 1) };
        Assert.Equal(new DateOnly(2025, 3, 1), FirstDueDay(decommissioned, Table, new DateOnly(2024, 1, 1), years: 5));
        Assert.Equal("vault-reference-1y", RetentionDue.Due(decommissioned, Table, new DateOnly(2025, 3, 1)).Rule!.Name);
    }

    [Fact]
    public void Every_rule_names_its_source_and_the_staff_rules_cite_the_irms_toolkit()
    {
        Assert.Equal(["leaver", "governor", "declaration", "incident", "vault-reference"], Table.Rules.Select(r => r.Id));
        Assert.All(Table.Rules, r => Assert.False(string.IsNullOrWhiteSpace(r.Source)));
        Assert.All(Table.Rules.Take(4), r => Assert.StartsWith("IRMS Information Management Toolkit for Schools", r.Source, StringComparison.Ordinal));
        Assert.Contains("termination of employment + 6 years", Table[RetentionTable.Leaver].Source, StringComparison.Ordinal);
    }

    [Fact]
    public void The_daily_sweep_falls_at_two_in_the_morning_school_time_across_the_clock_change()
    {
        var at = new TimeOnly(2, 0);
        // Winter: 02:00 in London is 02:00 UTC; summer: 01:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 12, 9, 2, 0, 0, TimeSpan.Zero), RetentionSchedule.Next(new DateTimeOffset(2026, 12, 8, 2, 0, 0, TimeSpan.Zero), at));
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 2, 0, 0, TimeSpan.Zero), RetentionSchedule.Next(new DateTimeOffset(2026, 12, 8, 1, 59, 0, TimeSpan.Zero), at));
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 1, 0, 0, TimeSpan.Zero), RetentionSchedule.Next(new DateTimeOffset(2026, 6, 30, 1, 0, 0, TimeSpan.Zero), at));
    }

    static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
