using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Demo;

namespace ComplianceLedger.Tests.Demo;

/// <summary>The demo school's dashboard, on a school year of history: a trend point at every month's end so far.</summary>
public sealed class DemoDashboardTests(DemoApp app) : IClassFixture<DemoApp>
{
    [Fact]
    public async Task The_demo_schools_trend_has_each_months_end_since_September_and_today_as_the_summary_gives_them()
    {
        await using var command = app.AdminDataSource.CreateCommand("""
            SELECT (data->>'personId')::uuid FROM ledger.events
             WHERE tenant = $1 AND event_type = 'person.enrolled.v1' AND data->'roles' ? 'governor' LIMIT 1
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = DemoSchool.Urn });
        var governor = await app.ClientFor(DemoSchool.Urn, (Guid)(await command.ExecuteScalarAsync())!);
        var today = ComplianceLedger.EventStore.SchoolDay.Today(TimeProvider.System);

        var response = await governor.GetAsync($"/schools/{DemoSchool.Urn}/dashboard");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());

        var rows = page.QuerySelectorAll("table.app-trend tbody tr").ToArray();
        Assert.Equal(CoverageTrend.Days(today).Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            rows.Select(r => r.GetAttribute("data-day")));
        // A month's end reads as the API's summary as of that day reads.
        var first = rows[0];
        var summary = await governor.GetFromJsonAsync<JsonElement>(
            $"/api/schools/{DemoSchool.Urn}/compliance?asOf={first.GetAttribute("data-day")}");
        var acknowledged = summary.GetProperty("coverage").EnumerateArray().Sum(c => c.GetProperty("acknowledged").GetInt32());
        Assert.Equal(acknowledged.ToString(System.Globalization.CultureInfo.InvariantCulture), first.QuerySelectorAll("td")[1].TextContent);
        Assert.Equal(summary.GetProperty("asOf").GetProperty("position").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
            first.QuerySelectorAll("td")[0].TextContent);
    }
}
