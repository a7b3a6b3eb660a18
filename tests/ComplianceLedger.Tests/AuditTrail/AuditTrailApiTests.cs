using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.Tests.Exceptions;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.AuditTrail;

/// <summary>The audit trail a governor reads, over HTTP on real PostgreSQL: names, the right words, and "erased".</summary>
public sealed class AuditTrailApiTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static async Task<(string Text, JsonElement[] Lines)> Trail(TestSchool school, string query = "")
    {
        var response = await (await school.As(Role.Governor)).GetAsync($"/api/schools/{school.Urn}/audit-trail{query}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return (text, [.. JsonDocument.Parse(text).RootElement.GetProperty("lines").EnumerateArray()]);
    }

    static string Line(JsonElement line) => line.GetProperty("line").GetString()!;

    async Task<TestSchool> HistoryAsync()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, ExceptionArrangements.Approved);
        var school = arranged.School;
        var ack = await (await school.As(Role.Teacher)).PostAsJsonAsync($"/api/schools/{school.Urn}/policies/social-media/acknowledgements",
            new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha });
        Assert.True(ack.IsSuccessStatusCode, await ack.Content.ReadAsStringAsync());
        await app.ProjectionsCaughtUpAsync();
        return school;
    }

    [Fact]
    public async Task A_governor_reads_lines_that_name_people_in_each_event_types_words()
    {
        var school = await HistoryAsync();
        var (teacher, head) = ($"Teacher of {school.Urn}", $"Headteacher of {school.Urn}");

        var (text, lines) = await Trail(school);

        Assert.DoesNotContain("person:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("exception approved", text, StringComparison.Ordinal);
        Assert.Contains(lines, l => Line(l).StartsWith($"{teacher} acknowledged Social Media Policy v1", StringComparison.Ordinal));
        var approval = Assert.Single(lines, l => l.GetProperty("eventType").GetString() == "exception.approved.v1");
        Assert.StartsWith($"{head} (headteacher) approved the declared relationship of {teacher}", Line(approval), StringComparison.Ordinal);
        Assert.Equal(head, approval.GetProperty("actor").GetString());
        Assert.Equal(school.People[Role.Headteacher], approval.GetProperty("actorPersonId").GetGuid());
        Assert.Contains(lines, l => Line(l).StartsWith($"{teacher} declared a family link with a pupil", StringComparison.Ordinal));
        Assert.Contains(lines, l => Line(l) == $"{$"Dsl of {school.Urn}"} recorded the DSL's advice on the declared relationship of {teacher}");
        Assert.Contains(lines, l => Line(l).StartsWith($"{head} published Social Media Policy v1", StringComparison.Ordinal));

        // Filtering by the person the lines name.
        var (_, byHead) = await Trail(school, $"?actor={school.People[Role.Headteacher]}");
        Assert.NotEmpty(byHead);
        Assert.All(byHead, l => Assert.Equal(head, l.GetProperty("actor").GetString()));
    }

    async Task<List<string>> StoredLinesAsync(string urn)
    {
        await using var command = app.AppDataSource.CreateCommand("SELECT position || ' ' || line FROM rm.audit_trail WHERE tenant = $1 ORDER BY position");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = urn });
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
        return lines;
    }

    [Fact]
    public async Task After_a_person_is_shredded_their_lines_show_erased_and_no_line_is_rewritten()
    {
        var school = await HistoryAsync();
        var teacher = $"Teacher of {school.Urn}";
        var stored = await StoredLinesAsync(school.Urn);

        await app.Services.GetRequiredService<PersonalDataVault>().ShredAsync(school.Urn, school.People[Role.Teacher], "person:test");

        var (text, lines) = await Trail(school);
        Assert.DoesNotContain(teacher, text, StringComparison.Ordinal);
        Assert.Contains(lines, l => Line(l).StartsWith("(erased) acknowledged Social Media Policy v1", StringComparison.Ordinal));
        Assert.Contains(lines, l => Line(l).Contains("approved the declared relationship of (erased)", StringComparison.Ordinal));
        Assert.All(lines.Where(l => l.GetProperty("actorPersonId").ValueKind == JsonValueKind.String
                && l.GetProperty("actorPersonId").GetGuid() == school.People[Role.Teacher]),
            l => Assert.Equal("(erased)", l.GetProperty("actor").GetString()));
        Assert.Equal(stored, await StoredLinesAsync(school.Urn));

        // The trail as it stood today, replayed: the same words, the same erasure.
        var (_, asOf) = await Trail(school, $"?asOf={SchoolDay.Today(TimeProvider.System):yyyy-MM-dd}");
        Assert.Contains(asOf, l => Line(l).StartsWith("(erased) acknowledged Social Media Policy v1", StringComparison.Ordinal));
    }
}
