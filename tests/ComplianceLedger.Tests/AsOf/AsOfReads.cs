using System.Net;
using System.Text.Json.Nodes;

namespace ComplianceLedger.Tests.AsOf;

/// <summary>Reads a dashboard or register that must answer 200, as JSON to compare.</summary>
public static class AsOfReads
{
    public static async Task<JsonObject> ReadAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
