using System.Text.RegularExpressions;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>Input checks shared by the account and custody use cases; each refuses with 400.</summary>
public static partial class AccountInput
{
    /// <summary>Required free text of at most <paramref name="max"/> characters, trimmed.</summary>
    public static string Text(string? value, string name, int max)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Length > max)
        {
            throw CommandRefusedException.Invalid($"{name} is required (up to {max} characters).");
        }
        return value.Trim();
    }

    /// <summary>Optional free text of at most <paramref name="max"/> characters; blank is none.</summary>
    public static string? OptionalText(string? value, string name, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        return value.Trim().Length > max ? throw CommandRefusedException.Invalid($"{name} is at most {max} characters.") : value.Trim();
    }

    public static T Required<T>(T? value, string name) where T : struct =>
        value ?? throw CommandRefusedException.Invalid($"{name} is required.");

    /// <summary>An absolute http(s) address of at most 500 characters.</summary>
    public static string Url(string? value, string name)
    {
        var text = Text(value, name, 500);
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? text
            : throw CommandRefusedException.Invalid($"{name} must be an absolute http or https address.");
    }

    /// <summary>A date that has happened (today or before): the ledger records what was done, not plans.</summary>
    public static void NotInFuture(DateOnly on, DateTimeOffset now, string name)
    {
        if (on > SchoolDay.Of(now))
        {
            throw CommandRefusedException.Invalid($"{name} cannot be in the future.");
        }
    }

    /// <summary>The domain of a plausible email address, lower-cased.</summary>
    public static string EmailDomain(string email)
    {
        var match = EmailPattern().Match(email);
        return match.Success && email.Length <= 254
            ? match.Groups["domain"].Value.ToLowerInvariant()
            : throw CommandRefusedException.Invalid("registrationEmail must be an email address such as office@school.sch.uk.");
    }

    /// <summary>A handle as the platform shows it: 1 to 100 characters without spaces.</summary>
    public static string Handle(string? value)
    {
        var text = Text(value, "handle", 100);
        return HandlePattern().IsMatch(text) ? text : throw CommandRefusedException.Invalid("handle must be 1 to 100 characters without spaces, such as @HistoryIHS.");
    }

    [GeneratedRegex(@"^[^@\s]{1,64}@(?<domain>([A-Za-z0-9-]+\.)+[A-Za-z]{2,})$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^[^\s\p{C}]{1,100}$")]
    private static partial Regex HandlePattern();
}
