using System.Globalization;
using Microsoft.Extensions.Options;
using MimeKit;

namespace ComplianceLedger.Api.Mail;

/// <summary>How the SMTP connection is secured (MailKit's <c>SecureSocketOptions</c>, named for operators).</summary>
public enum MailSecurity
{
    None,
    StartTls,
    SslOnConnect,
    /// <summary>TLS on connect for port 465, else STARTTLS when the server offers it.</summary>
    Auto,
}

/// <summary>
/// <c>Ledger:Mail</c>. With no <see cref="Host"/>, Development catches mail in the app
/// (<see cref="LocalMailServer"/>) and elsewhere no mail is sent (every send fails, so the
/// notices wait and <c>/health/ready</c> says why).
/// </summary>
public sealed class MailOptions
{
    public const string Section = "Ledger:Mail";

    public string? Host { get; set; }

    /// <summary>Default by <see cref="Security"/>: 465 for TLS on connect, 25 for none, else 587.</summary>
    public int? Port { get; set; }

    public MailSecurity Security { get; set; } = MailSecurity.Auto;

    public string? User { get; set; }

    /// <summary>From configuration only (an environment variable or a secret store); never logged or shown.</summary>
    public string? Password { get; set; }

    public string? From { get; set; }

    /// <summary>A trust's own From address, by trust id.</summary>
    public Dictionary<string, string> FromByTrust { get; set; } = new(StringComparer.Ordinal);

    /// <summary>SMTP connections kept open and reused.</summary>
    public int Connections { get; set; } = 4;

    /// <summary>The in-process server's port in Development (another free port when it is taken).</summary>
    public int DevPort { get; set; } = 2525;

    /// <summary>How long one SMTP command may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Wolverine's delays before each retry of a message the server did not take; default <see cref="DefaultRetryDelays"/>.</summary>
    public TimeSpan[]? RetryDelays { get; set; }

    /// <summary>Wolverine refuses more than 25 scheduled retries (ScheduleRetry throws at start-up).</summary>
    public const int MaxRetries = 25;

    /// <summary>
    /// 1, 5, 15 and 30 minutes, hourly three times, then every 2½ hours: two days in all (48 h 51 min)
    /// within Wolverine's <see cref="MaxRetries"/>, where hourly for two days would need 52.
    /// </summary>
    public static IReadOnlyList<TimeSpan> DefaultRetryDelays { get; } =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        .. Enumerable.Repeat(TimeSpan.FromHours(1), 3), .. Enumerable.Repeat(TimeSpan.FromHours(2.5), 18),
    ];

    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays is { Length: > 0 } delays ? delays : DefaultRetryDelays;

    public bool HasServer => !string.IsNullOrWhiteSpace(Host);

    public int EffectivePort => Port ?? Security switch
    {
        MailSecurity.SslOnConnect => 465,
        MailSecurity.None => 25,
        _ => 587,
    };

    /// <summary>Used when no From is configured and mail is caught in Development.</summary>
    public const string DevelopmentFrom = "ComplianceLedger <ledger@localhost>";
}

/// <summary>Checks <c>Ledger:Mail</c> at start-up, in words an operator can act on.</summary>
internal sealed class MailOptionsValidator : IValidateOptions<MailOptions>
{
    public ValidateOptionsResult Validate(string? name, MailOptions options)
    {
        var problems = new List<string>();
        if (options.Port is { } port && port is < 1 or > 65535)
        {
            problems.Add($"{MailOptions.Section}:Port must be between 1 and 65535 (it is {port.ToString(CultureInfo.InvariantCulture)}).");
        }
        if (options.DevPort is < 0 or > 65535)
        {
            problems.Add($"{MailOptions.Section}:DevPort must be between 0 and 65535.");
        }
        if (options.Connections is < 1 or > 64)
        {
            problems.Add($"{MailOptions.Section}:Connections must be between 1 and 64 (it is {options.Connections.ToString(CultureInfo.InvariantCulture)}).");
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            problems.Add($"{MailOptions.Section}:Timeout must be longer than zero.");
        }
        if (options.RetryDelays?.Any(d => d <= TimeSpan.Zero) == true)
        {
            problems.Add($"{MailOptions.Section}:RetryDelays must all be longer than zero.");
        }
        if (options.RetryDelays is { Length: > MailOptions.MaxRetries } many)
        {
            problems.Add($"{MailOptions.Section}:RetryDelays may name at most {MailOptions.MaxRetries} delays (Wolverine's limit); it names {many.Length.ToString(CultureInfo.InvariantCulture)}.");
        }
        if (options.HasServer && string.IsNullOrWhiteSpace(options.From))
        {
            problems.Add($"{MailOptions.Section}:From is required with a mail server: the address the ledger's messages come from, e.g. \"Oakfield School <notices@oakfield.sch.uk>\".");
        }
        if (!string.IsNullOrWhiteSpace(options.From) && !IsAddress(options.From))
        {
            problems.Add($"{MailOptions.Section}:From is not an email address: \"{options.From}\".");
        }
        foreach (var (trust, from) in options.FromByTrust)
        {
            if (!IsAddress(from))
            {
                problems.Add($"{MailOptions.Section}:FromByTrust:{trust} is not an email address: \"{from}\".");
            }
        }
        if (!string.IsNullOrEmpty(options.User) && string.IsNullOrEmpty(options.Password))
        {
            problems.Add($"{MailOptions.Section}:User is set but {MailOptions.Section}:Password is not.");
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    static bool IsAddress(string text) => MailboxAddress.TryParse(text, out var address) && address.Address.Contains('@', StringComparison.Ordinal);
}
