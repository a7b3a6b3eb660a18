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

    /// <summary>A date typed as <c>yyyy-MM-dd</c> (what <c>input type=date</c> sends), or an error naming the field.</summary>
    public static DateOnly? Date(string? value, string field, string label, List<FieldError> errors)
    {
        if (Text(value) is not { } text)
        {
            errors.Add(new FieldError(field, $"Enter {label}"));
            return null;
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date)
            && date >= Hosting.PlausibleDates.Earliest && date <= Hosting.PlausibleDates.Latest)
        {
            return date;
        }
        errors.Add(new FieldError(field, $"{char.ToUpperInvariant(label[0])}{label[1..]} must be a real date, such as 31 7 2027"));
        return null;
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
