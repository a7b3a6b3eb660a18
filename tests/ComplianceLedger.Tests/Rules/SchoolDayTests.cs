using ComplianceLedger.EventStore;
using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Projections.Rules;

namespace ComplianceLedger.Tests.Rules;

/// <summary>Days are the school's (Europe/London), not UTC's: pure, no database.</summary>
public sealed class SchoolDayTests
{
    [Theory]
    [InlineData("2026-06-30T22:59:59Z", "2026-06-30")] // 23:59:59 BST
    [InlineData("2026-06-30T23:00:00Z", "2026-07-01")] // midnight BST: already the next school day
    [InlineData("2026-12-31T23:59:59Z", "2026-12-31")] // GMT: UTC's day
    [InlineData("2027-01-01T00:00:00Z", "2027-01-01")]
    public void A_moment_falls_on_the_London_day(string instant, string day) =>
        Assert.Equal(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture),
            SchoolDay.Of(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void An_acknowledgement_half_an_hour_after_a_summer_midnight_is_dated_that_morning()
    {
        var person = new PersonFacts(Guid.Parse("0190a0b0-0000-7000-8000-00000000000b"), ["teacher"], new DateOnly(2020, 1, 1), null, null, null, 5);
        var version = new PolicyVersionFacts("social-media", "3", "Social Media Policy", new string('a', 64), new DateOnly(2026, 6, 1), 1,
            new DateOnly(2027, 6, 1), new DateOnly(2026, 6, 1), "person:chair", ["teacher"], 30, 365, IsCurrent: true, null, [10]);
        var ack = new AcknowledgementFacts(person.PersonId, "social-media", "3", false, new DateTimeOffset(2026, 7, 14, 23, 30, 0, TimeSpan.Zero), 20);

        var verdict = AcknowledgementCoverage.Evaluate(person, version, ack, new DateOnly(2026, 7, 15))!;

        Assert.Equal(ComplianceStatus.Ok, verdict.Status);
        Assert.Contains("acknowledged Social Media Policy 3 on 2026-07-15", verdict.Detail, StringComparison.Ordinal);
    }
}
