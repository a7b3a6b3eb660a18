using System.Globalization;
using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.EventStore.Packs;

/// <summary>
/// The days a pack covers, inclusive, in the school's day (Europe/London), and the same as UTC
/// instants so a verifier compares fixed-width <c>recorded_at</c> strings and needs no time-zone
/// data: <see cref="Start"/> inclusive, <see cref="End"/> exclusive. "As of D" is the ledger from its
/// start to D (docs/ledger-format.md, "The period").
/// </summary>
public sealed record PackPeriod(DateOnly From, DateOnly To, bool AsOf)
{
    public DateTimeOffset Start => MidnightInLondon(From);

    public DateTimeOffset End => MidnightInLondon(To.AddDays(1));

    public string StartText => ChainHash.FormatTimestamp(Start);

    public string EndText => ChainHash.FormatTimestamp(End);

    /// <summary>In the school's words: "1 September 2026 to 31 August 2027", or "up to and including 7 December 2026".</summary>
    public string Describe() => AsOf
        ? $"up to and including {Day(To)}"
        : $"{Day(From)} to {Day(To)}";

    public static string Day(DateOnly day) => day.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    static DateTimeOffset MidnightInLondon(DateOnly day) =>
        new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), SchoolDay.Zone), TimeSpan.Zero);
}
