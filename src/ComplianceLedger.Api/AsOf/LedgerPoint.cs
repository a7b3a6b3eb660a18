using System.Globalization;
using ComplianceLedger.Api.Ledger;

namespace ComplianceLedger.Api.AsOf;

/// <summary>
/// What a dashboard or register reflects, shown as <c>asOf</c> on every read: the school's chain
/// position, the day the rules judged by, and when that event was recorded. Live reads say
/// <c>live: true</c>; "as of" reads echo what was asked. A live read whose async projections
/// (the compliance verdicts) have not yet applied every event says how far they have got in
/// <c>asyncPosition</c>; it is null when they are caught up, and always for "as of" reads.
/// </summary>
public sealed record LedgerPoint(long? Position, DateOnly Day, DateTimeOffset? RecordedAt, bool Live, string? Requested, long? AsyncPosition = null);

/// <summary>An <c>asOf</c> query value: nothing (live), a chain position, or a day.</summary>
public abstract record AsOfQuestion
{
    public sealed record Live : AsOfQuestion;

    /// <summary>The ledger as it stood after the school's event at this chain position.</summary>
    public sealed record AtPosition(long Position) : AsOfQuestion;

    /// <summary>The ledger as it stood at the end of this day, in the ledger's time zone.</summary>
    public sealed record OnDay(DateOnly Day) : AsOfQuestion;

    public const string Description =
        "Answer from the ledger as it stood then: a day (yyyy-MM-dd, the end of that day in Europe/London, rules judged as on that day) "
        + "or the school's chain position (1 up to its head, judged as on the day that event was recorded). Omit for the live read models.";

    /// <summary>Reads the query value; anything but a whole positive number or a calendar date is refused (400).</summary>
    public static AsOfQuestion Parse(string? value)
    {
        if (value is null)
        {
            return new Live();
        }
        var text = value.Trim();
        var digits = text.TrimStart('-', '+');
        if (digits.Length > 0 && digits.All(char.IsAsciiDigit))
        {
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var position))
            {
                throw CommandRefusedException.Invalid($"asOf \"{Shorten(value)}\" is not a chain position (a whole number from 1).");
            }
            return position >= 1
                ? new AtPosition(position)
                : throw CommandRefusedException.Invalid($"asOf {position} is not a chain position: positions start at 1.");
        }
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? new OnDay(day)
            : throw CommandRefusedException.Invalid($"asOf \"{Shorten(value)}\" is neither a chain position (a whole number from 1) nor a date (yyyy-MM-dd).");
    }

    /// <summary>Echoed in the problem, so bound the length of what a client sent.</summary>
    static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
