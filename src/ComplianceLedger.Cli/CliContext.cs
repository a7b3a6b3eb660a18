using Spectre.Console;

namespace ComplianceLedger.Cli;

/// <summary>What a verb runs against: where it writes and the environment it reads.</summary>
internal sealed class CliContext(IAnsiConsole output, IAnsiConsole error, IDictionary<string, string?> environment)
{
    /// <summary>Results and progress.</summary>
    public IAnsiConsole Out { get; } = output;

    /// <summary>Warnings and errors.</summary>
    public IAnsiConsole Error { get; } = error;

    /// <summary>The variable's value, or null when it is unset or blank.</summary>
    public string? Variable(string name) =>
        environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    public static Dictionary<string, string?> ProcessEnvironment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string;
        }
        return variables;
    }
}

/// <summary>The run cannot go on; <see cref="ExitCode"/> says why (see <see cref="ExitCodes"/>).</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.UsageError) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

public static class ExitCodes
{
    /// <summary>Done; for <c>verify</c>, every tenant's ledger holds.</summary>
    public const int Success = 0;

    /// <summary><c>verify</c> found tampering or damage; <c>migrate</c> refused to run.</summary>
    public const int ProblemsFound = 1;

    /// <summary>Bad arguments, no usable database connection, unreadable key files.</summary>
    public const int UsageError = 2;
}
