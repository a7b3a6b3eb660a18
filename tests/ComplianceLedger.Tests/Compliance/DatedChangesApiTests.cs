using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Compliance;

/// <summary>The app on a clock the test moves: days pass with no request and no event.</summary>
public sealed class ClockedLedgerApp : LedgerApp
{
    public FixedTime Time { get; } = new(DatedChangesApiTests.At(DatedChangesApiTests.Today));

    protected override void ConfigureWebHost(IWebHostBuilder web) => web.ConfigureServices(s => s.AddSingleton<TimeProvider>(Time));
}

/// <summary>
/// Dated changes take effect on their date: the dashboard before, on and after each date with no
/// event in between (only the clock moves), and "as of" those dates answering the same.
/// </summary>
public sealed class DatedChangesApiTests(ClockedLedgerApp app) : IClassFixture<ClockedLedgerApp>
{
    /// <summary>The day the changes are recorded (a Monday); the policy takes effect that day with 14 days to acknowledge.</summary>
    public static readonly DateOnly Today = new(2026, 11, 2);

    public static DateTimeOffset At(DateOnly day) => new(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero);

    static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    static readonly DateOnly NextWeek = Today.AddDays(7);

    static readonly string[] Governor = ["governor"];

    static readonly string[] VolunteerAndSupport = ["volunteer", "support-staff"];

    async Task<TestSchool> SchoolWithPolicyAsync()
    {
        app.Time.Now = At(Today);
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        return school;
    }

    static async Task PublishAsync(TestSchool school)
    {
        var head = await school.As(Role.Headteacher);
        var body = $$"""
            {"title":"Social Media Policy","versionLabel":"1","documentSha256":"{{PeopleAndPolicyContractTests.Sha}}","effectiveFrom":"{{Day(Today)}}",
             "reviewCycleYears":1,"responsibleCommittee":"Full governing board","audiences":["teacher","support-staff"],
             "daysToAcknowledge":14,"maxExceptionDays":365}
            """;
        var response = await head.PostAsync($"/api/schools/{school.Urn}/policies/social-media/versions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    static async Task PostAsync(TestSchool school, Role role, string path, object body)
    {
        var response = await (await school.As(role)).PostAsJsonAsync($"/api/schools/{school.Urn}{path}", body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Moves the clock; nothing is recorded.</summary>
    void MoveTo(DateOnly day) => app.Time.Now = At(day);

    /// <summary>The person's acknowledgement verdict on the governor's dashboard (null: they owe nothing).</summary>
    static async Task<JsonElement?> VerdictAsync(TestSchool school, Guid person, DateOnly? asOf = null)
    {
        var governor = await school.As(Role.Governor);
        var query = asOf is { } day ? $"&asOf={Day(day)}" : "";
        var items = (await governor.GetFromJsonAsync<JsonElement>($"/api/schools/{school.Urn}/compliance/items?rule=acknowledgement{query}")).GetProperty("items");
        return items.EnumerateArray().Where(i => i.GetProperty("personId").GetString() == person.ToString()).Select(i => (JsonElement?)i).SingleOrDefault();
    }

    static string? Status(JsonElement? verdict) => verdict?.GetProperty("status").GetString();

    static string? DueOn(JsonElement? verdict) => verdict is { } v && v.GetProperty("dueOn").ValueKind == JsonValueKind.String ? v.GetProperty("dueOn").GetString() : null;

    static async Task<JsonElement> CoverageAsync(TestSchool school, DateOnly? asOf = null)
    {
        var governor = await school.As(Role.Governor);
        var query = asOf is { } day ? $"?asOf={Day(day)}" : "";
        var summary = await governor.GetFromJsonAsync<JsonElement>($"/api/schools/{school.Urn}/compliance{query}");
        return summary.GetProperty("coverage").EnumerateArray().Single(c => c.GetProperty("policyId").GetString() == "social-media");
    }

    static int Count(JsonElement coverage, string name) => coverage.GetProperty(name).GetInt32();

    static JsonElement? ByRole(JsonElement coverage, string role) =>
        coverage.GetProperty("byRole").EnumerateArray().Where(r => r.GetProperty("role").GetString() == role).Select(r => (JsonElement?)r).SingleOrDefault();

    [Fact]
    public async Task A_return_from_leave_recorded_today_for_next_week_keeps_the_person_on_leave_until_then()
    {
        var school = await SchoolWithPolicyAsync();
        var teacher = school.People[Role.Teacher];
        await PostAsync(school, Role.Office, $"/people/{teacher}/leave", new { kind = "maternity", from = "2026-10-01" });
        await PublishAsync(school);
        await PostAsync(school, Role.Office, $"/people/{teacher}/return", new { on = Day(NextWeek) });

        Assert.Equal("on-leave", Status(await VerdictAsync(school, teacher)));
        var before = await CoverageAsync(school);
        Assert.Equal(1, Count(before, "required")); // the support worker; the teacher is beside it
        Assert.Equal(1, Count(before, "onLeave"));
        Assert.Equal(0, ByRole(before, "teacher")!.Value.GetProperty("required").GetInt32());
        var trustLine = await TrustLineAsync(school);
        Assert.Equal(1, trustLine.GetProperty("required").GetInt32());

        Assert.Equal("2026-10-01", (await PersonAsync(school, teacher)).GetProperty("onLeaveFrom").GetString());

        MoveTo(NextWeek.AddDays(-1));
        Assert.Equal("on-leave", Status(await VerdictAsync(school, teacher)));

        MoveTo(NextWeek);
        var on = await VerdictAsync(school, teacher);
        Assert.Equal("due", Status(on));
        Assert.Equal(Day(NextWeek.AddDays(14)), DueOn(on));
        var after = await CoverageAsync(school);
        Assert.Equal(2, Count(after, "required"));
        Assert.Equal(0, Count(after, "onLeave"));
        Assert.Equal(JsonValueKind.Null, (await PersonAsync(school, teacher)).GetProperty("onLeaveFrom").ValueKind);
        Assert.Equal(2, (await TrustLineAsync(school)).GetProperty("required").GetInt32());

        Assert.Equal("on-leave", Status(await VerdictAsync(school, teacher, asOf: NextWeek.AddDays(-1))));
        Assert.Equal("due", Status(await VerdictAsync(school, teacher, asOf: NextWeek)));

        MoveTo(NextWeek.AddDays(15));
        Assert.Equal("overdue", Status(await VerdictAsync(school, teacher)));
        Assert.Equal("overdue", Status(await VerdictAsync(school, teacher, asOf: NextWeek.AddDays(15))));
    }

    [Fact]
    public async Task A_role_change_effective_in_30_days_keeps_the_person_in_their_current_roles_coverage_until_then()
    {
        var school = await SchoolWithPolicyAsync();
        var (teacher, volunteer) = (school.People[Role.Teacher], school.People[Role.Volunteer]);
        await PublishAsync(school);
        var office = await school.As(Role.Office);
        var changeOn = Today.AddDays(30);
        (await office.PutAsJsonAsync($"/api/schools/{school.Urn}/people/{teacher}/roles", new { roles = Governor, effectiveOn = Day(changeOn) }))
            .EnsureSuccessStatusCode();
        var joinsOn = Today.AddDays(18);
        (await office.PutAsJsonAsync($"/api/schools/{school.Urn}/people/{volunteer}/roles",
            new { roles = VolunteerAndSupport, effectiveOn = Day(joinsOn) })).EnsureSuccessStatusCode();

        Assert.Equal("due", Status(await VerdictAsync(school, teacher)));
        Assert.Null(await VerdictAsync(school, volunteer));
        Assert.Equal(1, ByRole(await CoverageAsync(school), "teacher")!.Value.GetProperty("required").GetInt32());

        MoveTo(joinsOn.AddDays(-1));
        Assert.Null(await VerdictAsync(school, volunteer));

        MoveTo(joinsOn);
        var joined = await VerdictAsync(school, volunteer);
        Assert.Equal("due", Status(joined));
        Assert.Equal(Day(joinsOn.AddDays(14)), DueOn(joined)); // from the day they took on the role
        Assert.Equal(2, ByRole(await CoverageAsync(school), "support-staff")!.Value.GetProperty("required").GetInt32());

        MoveTo(changeOn.AddDays(-1));
        Assert.Equal("overdue", Status(await VerdictAsync(school, teacher)));

        Assert.Equal("teacher", (await PersonAsync(school, teacher)).GetProperty("roles")[0].GetString());

        MoveTo(changeOn);
        Assert.Null(await VerdictAsync(school, teacher));
        Assert.Equal("governor", (await PersonAsync(school, teacher)).GetProperty("roles")[0].GetString());
        Assert.Null(ByRole(await CoverageAsync(school), "teacher"));

        MoveTo(changeOn.AddDays(1));
        Assert.Null(await VerdictAsync(school, teacher));
        Assert.Equal("overdue", Status(await VerdictAsync(school, teacher, asOf: changeOn.AddDays(-1))));
        Assert.Null(await VerdictAsync(school, teacher, asOf: changeOn));
        Assert.Null(await VerdictAsync(school, volunteer, asOf: joinsOn.AddDays(-1)));
        Assert.Equal("due", Status(await VerdictAsync(school, volunteer, asOf: joinsOn)));
    }

    [Fact]
    public async Task Someone_enrolled_to_start_next_week_is_shown_beside_coverage_until_their_start_date()
    {
        var school = await SchoolWithPolicyAsync();
        await PublishAsync(school);
        var starter = await app.Setup.EnrolAsync(school.Urn, "New Teacher", [Role.Teacher], NextWeek, "system:test");

        Assert.Equal("not-started", Status(await VerdictAsync(school, starter)));
        var before = await CoverageAsync(school);
        Assert.Equal(2, Count(before, "required"));
        Assert.Equal(1, Count(before, "notStarted"));

        MoveTo(NextWeek.AddDays(-1));
        Assert.Equal("not-started", Status(await VerdictAsync(school, starter)));

        MoveTo(NextWeek);
        var on = await VerdictAsync(school, starter);
        Assert.Equal("due", Status(on));
        Assert.Equal(Day(NextWeek.AddDays(14)), DueOn(on));
        var after = await CoverageAsync(school);
        Assert.Equal(3, Count(after, "required"));
        Assert.Equal(0, Count(after, "notStarted"));

        MoveTo(NextWeek.AddDays(15));
        Assert.Equal("overdue", Status(await VerdictAsync(school, starter)));
        Assert.Equal("not-started", Status(await VerdictAsync(school, starter, asOf: NextWeek.AddDays(-1))));
        Assert.Equal("due", Status(await VerdictAsync(school, starter, asOf: NextWeek)));
        Assert.Equal(3, Count(await CoverageAsync(school, asOf: NextWeek), "required"));
    }

    [Fact]
    public async Task Leave_starting_later_and_a_leaving_date_take_effect_on_their_dates()
    {
        var school = await SchoolWithPolicyAsync();
        var (teacher, support) = (school.People[Role.Teacher], school.People[Role.SupportStaff]);
        await PublishAsync(school);
        var on = Today.AddDays(10);
        await PostAsync(school, Role.Office, $"/people/{teacher}/leave", new { kind = "sickness", from = Day(on) });
        await PostAsync(school, Role.Office, $"/people/{support}/leaving", new { leftOn = Day(on) });

        MoveTo(on.AddDays(-1));
        Assert.Equal("due", Status(await VerdictAsync(school, teacher)));
        Assert.Equal("due", Status(await VerdictAsync(school, support)));
        Assert.Equal(2, Count(await CoverageAsync(school), "required"));

        MoveTo(on);
        Assert.Equal("on-leave", Status(await VerdictAsync(school, teacher)));
        Assert.Null(await VerdictAsync(school, support));
        var coverage = await CoverageAsync(school);
        Assert.Equal(0, Count(coverage, "required"));
        Assert.Equal(1, Count(coverage, "onLeave"));

        MoveTo(on.AddDays(1));
        Assert.Equal("on-leave", Status(await VerdictAsync(school, teacher)));
        Assert.Equal("due", Status(await VerdictAsync(school, teacher, asOf: on.AddDays(-1))));
        Assert.Equal("due", Status(await VerdictAsync(school, support, asOf: on.AddDays(-1))));
        Assert.Equal("on-leave", Status(await VerdictAsync(school, teacher, asOf: on)));
        Assert.Null(await VerdictAsync(school, support, asOf: on));
    }

    [Fact]
    public async Task An_acknowledgement_after_its_deadline_is_ok_and_marked_late()
    {
        var school = await SchoolWithPolicyAsync();
        var (teacher, support) = (school.People[Role.Teacher], school.People[Role.SupportStaff]);
        await PublishAsync(school);
        await PostAsync(school, Role.SupportStaff, "/policies/social-media/acknowledgements", new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha });

        var lateDay = Today.AddDays(18);
        MoveTo(lateDay);
        Assert.Equal("overdue", Status(await VerdictAsync(school, teacher)));
        await PostAsync(school, Role.Teacher, "/policies/social-media/acknowledgements", new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha });

        var late = (await VerdictAsync(school, teacher))!.Value;
        Assert.Equal("ok", late.GetProperty("status").GetString());
        Assert.True(late.GetProperty("late").GetBoolean());
        Assert.Contains($"late (due by {Day(Today.AddDays(14))})", late.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var inTime = (await VerdictAsync(school, support))!.Value;
        Assert.Equal("ok", inTime.GetProperty("status").GetString());
        Assert.False(inTime.GetProperty("late").GetBoolean());
        Assert.Equal(2, Count(await CoverageAsync(school), "acknowledged"));
        Assert.True((await VerdictAsync(school, teacher, asOf: lateDay))!.Value.GetProperty("late").GetBoolean());

        // The audit trail keeps when it was due; the acknowledgement made in time reads as before.
        var trail = (await (await school.As(Role.Governor)).GetFromJsonAsync<JsonElement>(
            $"/api/schools/{school.Urn}/audit-trail?type=policy.acknowledged")).GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal(2, trail.Count);
        var (lateLine, inTimeLine) = (trail[0], trail[1]);
        Assert.Equal(Day(Today.AddDays(14)), lateLine.GetProperty("lateDueBy").GetString());
        Assert.EndsWith($", late: it was due by {Today.AddDays(14):d MMMM yyyy}", lateLine.GetProperty("line").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, inTimeLine.GetProperty("lateDueBy").ValueKind);
        Assert.DoesNotContain("late", inTimeLine.GetProperty("line").GetString(), StringComparison.Ordinal);

        // A new version replaces the verdict; the record of the late acknowledgement stays as it was.
        var head = await school.As(Role.Headteacher);
        var second = PeopleAndPolicyContractTests.PublishBody("2").Replace("2026-09-01", Day(lateDay), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await head.PostAsync($"/api/schools/{school.Urn}/policies/social-media/versions",
            new StringContent(second, Encoding.UTF8, "application/json"))).StatusCode);
        var after = (await (await school.As(Role.Governor)).GetFromJsonAsync<JsonElement>(
            $"/api/schools/{school.Urn}/audit-trail?type=policy.acknowledged")).GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal(Day(Today.AddDays(14)), after.Single(l => l.GetProperty("position").GetInt64() == lateLine.GetProperty("position").GetInt64())
            .GetProperty("lateDueBy").GetString());
    }

    [Fact]
    public async Task A_rebuild_after_the_dates_have_passed_gives_the_rows_the_live_run_judged_on_them()
    {
        var school = await SchoolWithPolicyAsync();
        var (teacher, support, volunteer) = (school.People[Role.Teacher], school.People[Role.SupportStaff], school.People[Role.Volunteer]);
        await PostAsync(school, Role.Office, $"/people/{teacher}/leave", new { kind = "secondment", from = "2026-10-01" });
        await PublishAsync(school);
        await PostAsync(school, Role.Office, $"/people/{teacher}/return", new { on = Day(NextWeek) });
        await PostAsync(school, Role.Office, $"/people/{support}/leaving", new { leftOn = Day(NextWeek.AddDays(3)) });
        (await (await school.As(Role.Office)).PutAsJsonAsync($"/api/schools/{school.Urn}/people/{volunteer}/roles",
            new { roles = VolunteerAndSupport, effectiveOn = Day(NextWeek.AddDays(5)) })).EnsureSuccessStatusCode();
        await app.Setup.EnrolAsync(school.Urn, "New Teacher", [Role.Teacher], NextWeek.AddDays(1), "system:test");
        Assert.Equal("on-leave", Status(await VerdictAsync(school, teacher)));

        // Past every date and some deadlines; each school judged for the day, as its dashboard would be.
        var day = NextWeek.AddDays(20);
        MoveTo(day);
        Assert.Equal("overdue", Status(await VerdictAsync(school, teacher)));
        var tenants = await TenantsAsync();
        await ComplianceLedger.Projections.ReadModels.ComplianceProjection.CatchUpDayAsync(app.AppDataSource, tenants, day, CancellationToken.None);
        await app.ProjectionsCaughtUpAsync();
        var live = await SnapshotAsync();
        Assert.Contains(live["person_roles"], r => r.Contains(volunteer.ToString(), StringComparison.Ordinal));
        Assert.Contains(live["person_leaves"], r => r.Contains(teacher.ToString(), StringComparison.Ordinal));

        await ComplianceLedger.EventStore.Projections.ProjectionRebuild.RunAsync(app.AppDataSource,
            [.. app.Services.GetServices<ComplianceLedger.EventStore.Projections.IProjection>()]);

        var rebuilt = await SnapshotAsync();
        foreach (var (table, rows) in live)
        {
            Assert.True(rows.SequenceEqual(rebuilt[table]), $"rm.{table}: live {rows.Count} rows, rebuilt {rebuilt[table].Count}: "
                + string.Join(" | ", rows.Except(rebuilt[table]).Take(3)) + " <> " + string.Join(" | ", rebuilt[table].Except(rows).Take(3)));
        }
    }

    async Task<string[]> TenantsAsync()
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT tenant FROM ledger.chain_heads ORDER BY tenant");
        var tenants = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tenants.Add(reader.GetString(0));
        }
        return [.. tenants];
    }

    /// <summary>Every row of every read-model table, as JSON, in order.</summary>
    async Task<Dictionary<string, List<string>>> SnapshotAsync()
    {
        var tables = new List<string>();
        await using (var command = app.AdminDataSource.CreateCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'rm' ORDER BY 1"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var snapshot = new Dictionary<string, List<string>>();
        foreach (var table in tables)
        {
            await using var command = app.AdminDataSource.CreateCommand($"SELECT to_jsonb(x)::text AS row FROM rm.{table} x ORDER BY row");
            var rows = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }
            snapshot[table] = rows;
        }
        return snapshot;
    }

    /// <summary>The person as the school's people list shows them.</summary>
    static async Task<JsonElement> PersonAsync(TestSchool school, Guid person)
    {
        var office = await school.As(Role.Office);
        var people = (await office.GetFromJsonAsync<JsonElement>($"/api/schools/{school.Urn}/people")).GetProperty("items");
        return people.EnumerateArray().Single(p => p.GetProperty("personId").GetString() == person.ToString());
    }

    static async Task<JsonElement> TrustLineAsync(TestSchool school)
    {
        var leader = await school.As(Role.TrustLeader);
        var trust = await leader.GetFromJsonAsync<JsonElement>("/api/trusts/trust-t1/compliance");
        return trust.GetProperty("schoolLines").EnumerateArray().Single(l => l.GetProperty("urn").GetString() == school.Urn);
    }
}
