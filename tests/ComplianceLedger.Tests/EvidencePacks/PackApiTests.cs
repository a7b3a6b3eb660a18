using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.EvidencePacks;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.EvidencePacks;

/// <summary>
/// The evidence pack through the API: a governor asks, polls and downloads a pack that verifies
/// offline under the school's key; bad periods, roles that may not export and other people's
/// builds get a 4xx and build nothing.
/// </summary>
public sealed class PackApiTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    DateOnly Today => SchoolDay.Today(app.Services.GetRequiredService<TimeProvider>());

    PackBuilds Builds => app.Services.GetRequiredService<PackBuilds>();

    static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    async Task<TestSchool> SchoolAsync() => (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;

    /// <summary>Polls the status until the build is no longer building.</summary>
    public static async Task<JsonElement> ReadyAsync(HttpClient client, string status)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var response = await client.GetAsync(status);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{status}: {(int)response.StatusCode} {text}");
            var body = JsonDocument.Parse(text).RootElement;
            if (body.GetProperty("state").GetString() != "building")
            {
                return body;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{status} was still building after a minute");
    }

    [Fact]
    public async Task A_governor_asks_polls_and_downloads_a_pack_that_verifies_under_the_schools_key_for_the_period_asked()
    {
        var school = await SchoolAsync();
        var governor = await school.As(Role.Governor);
        var (from, to) = (Today.AddDays(-60), Today);

        var asked = await governor.PostAsJsonAsync($"/api/schools/{school.Urn}/evidence-packs", new { from = Iso(from), to = Iso(to) });
        var text = await asked.Content.ReadAsStringAsync();
        Assert.True(asked.StatusCode == HttpStatusCode.Accepted, text);
        var started = JsonDocument.Parse(text).RootElement;
        var status = started.GetProperty("status").GetString()!;
        Assert.Equal($"/api/schools/{school.Urn}/evidence-packs/{started.GetProperty("id").GetGuid():D}", status);
        Assert.Equal(status, asked.Headers.Location!.OriginalString);
        Assert.InRange(started.GetProperty("percent").GetInt32(), 0, 100);
        Assert.False(string.IsNullOrWhiteSpace(started.GetProperty("step").GetString()));

        var done = await ReadyAsync(governor, status);
        Assert.Equal("ready", done.GetProperty("state").GetString());
        Assert.Equal(100, done.GetProperty("percent").GetInt32());
        var download = done.GetProperty("download").GetString()!;
        Assert.Equal($"{status}/zip", download);

        var zip = await governor.GetAsync(download);
        Assert.Equal(HttpStatusCode.OK, zip.StatusCode);
        Assert.Equal("application/zip", zip.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"evidence-pack-{school.Urn}-{Iso(from)}-to-{Iso(to)}.zip", zip.Content.Headers.ContentDisposition?.FileNameStar ?? zip.Content.Headers.ContentDisposition?.FileName);
        var bytes = await zip.Content.ReadAsByteArrayAsync();
        Assert.Equal(done.GetProperty("bytes").GetInt64(), bytes.Length);

        using var key = SigningKey.FromPem(app.SigningKeyPem);
        var result = PackFiles.Verify(bytes, key);
        Assert.True(result.Intact, string.Join("\n", result.Problems));
        Assert.Empty(result.Warnings);
        Assert.True(result.EventsChecked > 0);
        var period = PackFiles.Read(bytes).Manifest["period"]!;
        Assert.Equal(Iso(from), period["from"]!.GetValue<string>());
        Assert.Equal(Iso(to), period["to"]!.GetValue<string>());
        Assert.False(period["asOf"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_as_of_pack_is_named_for_its_day_and_covers_everything_up_to_it()
    {
        var school = await SchoolAsync();
        var head = await school.As(Role.Headteacher);
        var asked = await head.PostAsJsonAsync($"/api/schools/{school.Urn}/evidence-packs", new { asOf = Iso(Today) });
        Assert.True(asked.StatusCode == HttpStatusCode.Accepted, await asked.Content.ReadAsStringAsync());
        var done = await ReadyAsync(head, asked.Headers.Location!.OriginalString);
        Assert.Equal("ready", done.GetProperty("state").GetString());
        Assert.Equal($"evidence-pack-{school.Urn}-as-of-{Iso(Today)}.zip", done.GetProperty("fileName").GetString());
        using var key = SigningKey.FromPem(app.SigningKeyPem);
        var bytes = await head.GetByteArrayAsync(done.GetProperty("download").GetString());
        var result = PackFiles.Verify(bytes, key);
        Assert.True(result.Intact, string.Join("\n", result.Problems));
        Assert.True(PackFiles.Read(bytes).Manifest["period"]!["asOf"]!.GetValue<bool>());
    }

    public static TheoryData<string, string, string> BadPeriods => new()
    {
        { "from after to", """{"from":"{today}","to":"{yesterday}"}""", "to" },
        { "a date that is no date", """{"from":"2026-02-31","to":"{today}"}""", "from" },
        { "over the limit", """{"from":"{long-ago}","to":"{today}"}""", "to" },
        { "asOf with from", """{"from":"{yesterday}","asOf":"{today}"}""", "asOf" },
        { "missing to", """{"from":"{yesterday}"}""", "to" },
        { "nothing at all", "{}", "from" },
    };

    [Theory]
    [MemberData(nameof(BadPeriods))]
    public async Task A_bad_period_is_400_naming_the_field_and_builds_nothing(string why, string body, string field)
    {
        var school = await SchoolAsync();
        var governor = await school.As(Role.Governor);
        body = body.Replace("{today}", Iso(Today), StringComparison.Ordinal).Replace("{yesterday}", Iso(Today.AddDays(-1)), StringComparison.Ordinal)
            .Replace("{long-ago}", Iso(Today.AddDays(-PackPeriodInput.MaxDays)), StringComparison.Ordinal);
        var response = await governor.PostAsync($"/api/schools/{school.Urn}/evidence-packs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.StartsWith($"{field}: ", problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{why}: the problem names no {field}: {text}");
        Assert.Empty(Builds.Of(school.Urn));
    }

    [Theory]
    [InlineData(Role.Teacher)]
    [InlineData(Role.Office)]
    public async Task A_role_that_may_not_export_is_403_and_builds_nothing(Role role)
    {
        var school = await SchoolAsync();
        var client = await school.As(role);
        var response = await client.PostAsJsonAsync($"/api/schools/{school.Urn}/evidence-packs", new { asOf = Iso(Today) });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(Builds.Of(school.Urn));
    }

    [Fact]
    public async Task Someone_elses_build_is_404_on_its_status_and_its_zip()
    {
        var school = await SchoolAsync();
        var governor = await school.As(Role.Governor);
        var asked = await governor.PostAsJsonAsync($"/api/schools/{school.Urn}/evidence-packs", new { asOf = Iso(Today) });
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        var status = asked.Headers.Location!.OriginalString;
        await ReadyAsync(governor, status);

        var chair = await school.As(Role.ChairOfGovernors);
        foreach (var path in new[] { status, $"{status}/zip" })
        {
            var response = await chair.GetAsync(path);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode} {text}");
            Assert.Contains("No such evidence pack", text, StringComparison.Ordinal);
        }
        // At another school the same id is no pack either (and the school itself is not yours).
        var other = await SchoolAsync();
        var stranger = await other.As(Role.Governor);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(status)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/schools/{other.Urn}/evidence-packs/{status.Split('/')[^1]}")).StatusCode);
    }

    [Fact]
    public async Task A_second_pack_while_one_is_building_is_409_with_the_running_ones_status_and_starts_nothing()
    {
        var school = await SchoolAsync();
        var governor = await school.As(Role.Governor);
        var chair = await school.As(Role.ChairOfGovernors);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string status;
        // The builder counts the chain's events early on: holding that table keeps the first build running.
        await using (var hold = await app.AdminDataSource.OpenConnectionAsync(limit.Token))
        await using (var transaction = await hold.BeginTransactionAsync(limit.Token))
        {
            await using (var locking = new NpgsqlCommand("LOCK TABLE ledger.chain_heads IN ACCESS EXCLUSIVE MODE", hold, transaction))
            {
                await locking.ExecuteNonQueryAsync(limit.Token);
            }
            var first = await governor.PostAsJsonAsync($"/api/schools/{school.Urn}/evidence-packs", new { asOf = Iso(Today) }, limit.Token);
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            status = first.Headers.Location!.OriginalString;

            var second = await chair.PostAsJsonAsync($"/api/schools/{school.Urn}/evidence-packs", new { from = Iso(Today.AddDays(-7)), to = Iso(Today) }, limit.Token);
            var text = await second.Content.ReadAsStringAsync(limit.Token);
            Assert.True(second.StatusCode == HttpStatusCode.Conflict, $"{(int)second.StatusCode} {text}");
            Assert.Equal(status, JsonDocument.Parse(text).RootElement.GetProperty("packStatus").GetString());
            Assert.Equal(PackState.Building, Assert.Single(Builds.Of(school.Urn)).State);
            await transaction.RollbackAsync(limit.Token);
        }
        Assert.Equal("ready", (await ReadyAsync(governor, status)).GetProperty("state").GetString());
        // Once it is done, the next one starts.
        var next = await chair.PostAsJsonAsync($"/api/schools/{school.Urn}/evidence-packs", new { asOf = Iso(Today) }, limit.Token);
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
        await ReadyAsync(chair, next.Headers.Location!.OriginalString);
    }
}
