using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.Demo;
using ComplianceLedger.Tests.Cli;

namespace ComplianceLedger.Tests.Demo;

/// <summary>The demo seeded by the app's first start has a school year of history, so "as of" answers differ by date.</summary>
public sealed class DemoHistoryTests(DemoApp app) : IClassFixture<DemoApp>
{
    // The school's day (Europe/London), as the app judges it.
    static DateOnly Today => ComplianceLedger.EventStore.SchoolDay.Today(TimeProvider.System);
    static int Year => DemoSchool.SchoolYear(Today);

    async Task<HttpClient> ChairAsync()
    {
        await using var command = app.AdminDataSource.CreateCommand("""
            SELECT (data->>'personId')::uuid FROM ledger.events
             WHERE tenant = $1 AND event_type = 'person.enrolled.v1' AND data->'roles' ? 'chair-of-governors' LIMIT 1
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = DemoSchool.Urn });
        return await app.ClientFor(DemoSchool.Urn, (Guid)(await command.ExecuteScalarAsync())!);
    }

    static string Acknowledgements(JsonElement dashboard) =>
        dashboard.GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "acknowledgement").GetRawText();

    [Fact]
    public async Task The_readmes_as_of_the_first_day_of_the_school_year_answers_with_the_demo_school_as_it_stood()
    {
        var chair = await ChairAsync();
        // README's example, 2026-09-01, is this school year's first day while today is in 2026-27.
        var response = await chair.GetAsync($"/api/schools/{DemoSchool.Urn}/compliance?asOf={Year}-09-01");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var dashboard = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"{Year}-09-01", dashboard.GetProperty("asOf").GetProperty("day").GetString());
        var social = dashboard.GetProperty("coverage").EnumerateArray().Single(c => c.GetProperty("policyId").GetString() == "social-media");
        // The new version took effect that morning: it is required of everyone and acknowledged by few yet.
        Assert.Equal("3", social.GetProperty("versionLabel").GetString());
        Assert.True(social.GetProperty("required").GetInt32() > 50, social.GetRawText());
        Assert.True(social.GetProperty("acknowledged").GetInt32() < social.GetProperty("required").GetInt32() / 2, social.GetRawText());
    }

    [Fact]
    public async Task The_demo_schools_compliance_as_of_three_dates_of_the_year_gives_different_counts()
    {
        var chair = await ChairAsync();
        // Last school year's September, while its acknowledgements came in: always behind us, whatever today is.
        var dates = new[] { new DateOnly(Year - 1, 9, 2), new DateOnly(Year - 1, 9, 16), new DateOnly(Year - 1, 10, 15) };
        var counts = new List<string>();
        foreach (var date in dates)
        {
            var dashboard = await chair.GetFromJsonAsync<JsonElement>($"/api/schools/{DemoSchool.Urn}/compliance?asOf={date:yyyy-MM-dd}");
            counts.Add(Acknowledgements(dashboard));
        }
        Assert.Equal(3, counts.Distinct().Count());
    }

    [Fact]
    public async Task The_demo_ledger_verifies_with_the_apps_key_after_its_history_is_written_with_checkpoints()
    {
        var keyFile = Path.Combine(Path.GetTempPath(), $"demo-key-{Guid.NewGuid():N}.pem");
        using (var key = System.Security.Cryptography.ECDsa.Create())
        {
            key.ImportFromPem(app.SigningKeyPem);
            await File.WriteAllTextAsync(keyFile, key.ExportSubjectPublicKeyInfoPem());
        }
        try
        {
            (await LedgerRun.RunAsync("verify", "--public-key", keyFile, "--connection", app.AppConnectionString)).ShouldExitWith(0);
        }
        finally
        {
            File.Delete(keyFile);
        }
        await using var command = app.AdminDataSource.CreateCommand("""
            SELECT count(*), count(DISTINCT date_trunc('month', c.issued_at)), bool_and(c.issued_at >= e.recorded_at)
              FROM ledger.checkpoints c JOIN ledger.events e ON e.tenant = c.tenant AND e.chain_position = c.position
             WHERE c.tenant = $1 AND c.issued_at < $2
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = DemoSchool.Urn });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = new DateTimeOffset(Year, 9, 1, 0, 0, 0, TimeSpan.Zero) });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        // A checkpoint at the end of every month in which something was recorded, each signed after the events it covers.
        Assert.True(reader.GetInt64(1) >= 10, $"{reader.GetInt64(0)} checkpoints in {reader.GetInt64(1)} months before this school year");
        Assert.True(reader.GetBoolean(2));
    }
}
