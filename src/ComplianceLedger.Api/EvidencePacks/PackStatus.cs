using System.Globalization;

namespace ComplianceLedger.Api.EvidencePacks;

/// <summary>
/// A build as its asker sees it: state (building, ready, failed), the step in words and the percent,
/// the status address to poll and, once ready, the zip to download.
/// </summary>
public sealed record PackStatus(
    Guid Id, string State, string Step, int Percent, string Status, string? Download, string FileName, long? Bytes,
    string From, string To, bool AsOf, string? Message)
{
    public static PackStatus Of(PackBuild build)
    {
        var status = StatusHref(build.Urn, build.Id);
        var ready = build.State == PackState.Ready;
        return new(build.Id, StateName(build.State), build.Step, build.Percent, status, ready ? $"{status}/zip" : null, build.FileName,
            ready ? build.Bytes : null, Day(build.Period.From), Day(build.Period.To), build.Period.AsOf, build.Message);
    }

    public static string StatusHref(string urn, Guid id) => $"/api/schools/{urn}/evidence-packs/{id:D}";

    public static string StateName(PackState state) => state switch
    {
        PackState.Building => "building",
        PackState.Ready => "ready",
        _ => "failed",
    };

    static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
