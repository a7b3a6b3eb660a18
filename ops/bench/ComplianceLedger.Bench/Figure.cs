using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComplianceLedger.Bench;

/// <summary>One measured figure, printed as one JSON object on one line.</summary>
sealed record Figure(
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("baseline")] double? Baseline = null,
    [property: JsonPropertyName("ratio")] double? Ratio = null,
    [property: JsonPropertyName("target")] double? Target = null,
    [property: JsonPropertyName("met")] bool? Met = null,
    [property: JsonPropertyName("notes")] string? Notes = null)
{
    public static Figure Compared(string metric, double value, string unit, double baseline, double? target, string notes)
    {
        var ratio = baseline > 0 ? Math.Round(value / baseline, 3) : 0;
        return new Figure(metric, Math.Round(value, 1), unit, Math.Round(baseline, 1), ratio, target,
            target is { } t ? ratio >= t : null, notes);
    }

    public static Figure Raw(string metric, double value, string unit, string notes) =>
        new(metric, Math.Round(value, 1), unit, Notes: notes);

    // Figures are read by people too: keep + and … as they are rather than \u escapes.
    static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>Writes figures to stdout (and a results file); everything else goes to stderr.</summary>
sealed class Report(string? resultsFile)
{
    public void Add(Figure figure)
    {
        var line = figure.ToJson();
        Console.Out.WriteLine(line);
        Console.Out.Flush();
        if (resultsFile is not null)
        {
            File.AppendAllText(resultsFile, line + "\n");
        }
    }

    public static void Log(string message) => Console.Error.WriteLine($"[bench {DateTime.Now:HH:mm:ss}] {message}");
}
