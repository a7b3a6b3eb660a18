using Spectre.Console;

namespace ComplianceLedger.Cli;

/// <summary>
/// Line output that stays clean when redirected: styled through Spectre on a terminal,
/// written verbatim (no escape codes, no wrapping at 80 columns) to a pipe, a CI log or a test.
/// </summary>
internal static class ConsoleLines
{
    public static void Line(this IAnsiConsole console, string text, string? style = null) =>
        console.Line([(text, style)]);

    public static void Line(this IAnsiConsole console, params ReadOnlySpan<(string Text, string? Style)> parts)
    {
        if (console.Profile.Capabilities.Ansi)
        {
            var markup = new System.Text.StringBuilder();
            foreach (var (text, style) in parts)
            {
                markup.Append(style is null ? Markup.Escape(text) : $"[{style}]{Markup.Escape(text)}[/]");
            }
            console.MarkupLine(markup.ToString());
            return;
        }
        var writer = console.Profile.Out.Writer;
        foreach (var (text, _) in parts)
        {
            writer.Write(text);
        }
        writer.WriteLine();
        writer.Flush();
    }

    public static void Warning(this IAnsiConsole console, string text) => console.Line(("warning: ", "yellow bold"), (text, null));

    public static void Failure(this IAnsiConsole console, string text) => console.Line(("error: ", "red bold"), (text, null));

    /// <summary>"1 event", "2 events".</summary>
    public static string Count(long n, string noun) =>
        n == 1 ? $"1 {noun}" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{n} {noun}s");
}
