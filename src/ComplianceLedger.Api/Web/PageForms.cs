using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Chain;

namespace ComplianceLedger.Api.Web;

/// <summary>A field the form must correct, by the id of its input (the error summary links to it).</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>
/// What a page's form does with a command: run it as the API would (the same use case's
/// <c>Handle</c>), then send the browser on with a 303 to a page that shows where the ledger
/// recorded it (post, redirect, get: a reload never sends the form again). A refusal comes back
/// to the same form, in the same words the API gives, with what was typed kept.
/// </summary>
public static class PageForms
{
    /// <summary>The query parameter that carries the chain position of what was just recorded.</summary>
    public const string Recorded = "recorded";

    public static async Task<IResult> RunAsync<TPage>(
        Func<Task<CommandResult>> command, string then, Func<IReadOnlyList<FieldError>, string?, int, Task<TPage>> again) where TPage : IResult
    {
        try
        {
            var result = await command();
            var position = result.Positions.Count > 0 ? result.Positions[^1] : (long?)null;
            return new SeeOther(position is { } p ? $"{then}{(then.Contains('?', StringComparison.Ordinal) ? '&' : '?')}{Recorded}={p}" : then);
        }
        catch (CommandRefusedException e)
        {
            return await again([], e.Message, e.Status);
        }
        catch (WrongExpectedVersionException)
        {
            return await again([], "Someone changed this record after you opened the page. Reload the page to see what it holds now, then decide again.",
                StatusCodes.Status412PreconditionFailed);
        }
        catch (LedgerFormatException e)
        {
            return await again([], e.Message, StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>A form's text field, trimmed; null when left empty.</summary>
    public static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    static readonly string[] MonthNames =
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    /// <summary>
    /// A date typed in GOV.UK's three fields, day, month and year, or an error naming the field and
    /// the part that is wrong, linked to that part's id (<c>{field}-day</c>, <c>-month</c> or <c>-year</c>).
    /// Three fields, not <c>input type=date</c>: a browser in en-US English reads that one month first
    /// whatever the page's language, so 20/07/2027 typed day first became a real but wrong date.
    /// </summary>
    /// <param name="label">What the date is, after "Enter", such as "the end date".</param>
    /// <param name="field">The id the date input was drawn with (<see cref="DateInput"/>'s Id).</param>
    public static DateOnly? Date(string? day, string? month, string? year, string label, string field, List<FieldError> errors)
    {
        var what = $"{char.ToUpperInvariant(label[0])}{label[1..]}";
        string?[] parts = [Text(day), Text(month), Text(year)];
        string[] names = ["day", "month", "year"];
        var missing = Enumerable.Range(0, 3).Where(i => parts[i] is null).ToList();
        if (missing.Count == 3)
        {
            errors.Add(new FieldError($"{field}-day", $"Enter {label}"));
            return null;
        }
        if (missing.Count > 0)
        {
            var words = missing.Count == 1 ? names[missing[0]] : $"{names[missing[0]]} and {names[missing[1]]}";
            errors.Add(new FieldError($"{field}-{names[missing[0]]}", $"{what} must include a {words}"));
            return null;
        }
        if (!Number(parts[0]!, out var d) || !MonthNumber(parts[1]!, out var m) || !Number(parts[2]!, out var y))
        {
            errors.Add(new FieldError($"{field}-day", $"{what} must be a real date"));
            return null;
        }
        if (parts[2]!.Length != 4)
        {
            errors.Add(new FieldError($"{field}-year", $"{what} must include a year with 4 numbers, such as 2027"));
            return null;
        }
        if (m is < 1 or > 12 || d < 1 || d > 31)
        {
            errors.Add(new FieldError($"{field}-day", $"{what} must be a real date"));
            return null;
        }
        if (y < Hosting.PlausibleDates.Earliest.Year || y > Hosting.PlausibleDates.Latest.Year)
        {
            // The range the API takes (PlausibleDates): outside it is a slip of the keyboard.
            errors.Add(new FieldError($"{field}-year",
                $"{what} must be between {Words(Hosting.PlausibleDates.Earliest)} and {Words(Hosting.PlausibleDates.Latest)}"));
            return null;
        }
        if (d > DateTime.DaysInMonth(y, m))
        {
            errors.Add(new FieldError($"{field}-day", $"{what} must be a real date"));
            return null;
        }
        var date = new DateOnly(y, m, d);
        return date;

        static string Words(DateOnly date) => date.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);

        static bool Number(string text, out int value)
        {
            value = 0;
            return text.Length <= 4 && text.All(char.IsAsciiDigit)
                && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value);
        }

        // GOV.UK's dates pattern: take a month written as a word too ("jul", "July").
        static bool MonthNumber(string text, out int value)
        {
            if (Number(text, out value))
            {
                return true;
            }
            var word = text.ToLowerInvariant();
            var index = Array.FindIndex(MonthNames, n => n == word || (word.Length >= 3 && n.StartsWith(word, StringComparison.Ordinal)));
            value = index + 1;
            return index >= 0;
        }
    }

    /// <summary>303 See Other: the browser follows it with a GET.</summary>
    sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
