using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.AsOf;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Trusts;

/// <summary>The app on a clock the test moves, so that events are recorded on different days.</summary>
public sealed class ClockedLedgerApp : LedgerApp
{
    public FixedTime Clock { get; } = new(new DateTimeOffset(2026, 9, 1, 9, 0, 0, TimeSpan.Zero));

    protected override void ConfigureWebHost(IWebHostBuilder web) =>
        web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
}

/// <summary>The trust dashboard as of a day: each school replayed to the end of that day, each line naming its position.</summary>
public sealed class TrustAsOfTests(ClockedLedgerApp app) : IClassFixture<ClockedLedgerApp>
{
    const string Trust = "trust-asof";

    /// <summary>The figures without what says which point they reflect.</summary>
    static string Figures(JsonObject body)
    {
        var copy = body.DeepClone().AsObject();
        copy.Remove("asOf");
        foreach (var line in copy["schoolLines"]!.AsArray())
        {
            line!.AsObject().Remove("asOf");
        }
        return copy.ToJsonString();
    }

    [Fact]
    public async Task The_trust_dashboard_as_of_a_day_differs_from_live_after_later_events_and_names_each_schools_position()
    {
        // 1 September: two schools of the trust, each with a teacher who must acknowledge the policy.
        app.Clock.Now = new DateTimeOffset(2026, 9, 1, 9, 0, 0, TimeSpan.Zero);
        var people = new Dictionary<string, Dictionary<Role, Guid>>();
        foreach (var urn in new[] { "830001", "830002" })
        {
            await app.Setup.RegisterAsync(urn, $"School {urn}", Trust, "As-Of Trust", ["asof.sch.uk"], null, "system:test");
            people[urn] = [];
            foreach (var role in new[] { Role.Headteacher, Role.Teacher, Role.TrustLeader })
            {
                people[urn][role] = await app.Setup.EnrolAsync(urn, $"{role} of {urn}", [role], new DateOnly(2025, 9, 1), "system:test");
            }
            var head = await app.ClientFor(urn, people[urn][Role.Headteacher]);
            var published = await head.PostAsync($"/api/schools/{urn}/policies/social-media/versions",
                new StringContent(PeopleAndPolicyContractTests.PublishBody(), System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        }
        var firstDay = new Dictionary<string, long>();
        foreach (var urn in people.Keys)
        {
            firstDay[urn] = await app.CountEventsAsync(urn);
        }

        // 1 October: the first school's teacher acknowledges.
        app.Clock.Now = new DateTimeOffset(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);
        var teacher = await app.ClientFor("830001", people["830001"][Role.Teacher]);
        var ack = await teacher.PostAsJsonAsync("/api/schools/830001/policies/social-media/acknowledgements",
            new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha });
        Assert.Equal(HttpStatusCode.Created, ack.StatusCode);

        var leader = await app.ClientFor("830002", people["830002"][Role.TrustLeader]);
        var live = await AsOfReads.ReadAsync(leader, $"/api/trusts/{Trust}/compliance");
        var then = await AsOfReads.ReadAsync(leader, $"/api/trusts/{Trust}/compliance?asOf=2026-09-01");

        Assert.Equal(1, live["acknowledged"]!.GetValue<int>());
        Assert.Equal(0, then["acknowledged"]!.GetValue<int>());
        Assert.Equal(2, then["required"]!.GetValue<int>());
        Assert.NotEqual(Figures(live), Figures(then));
        // On 1 September both acknowledgements were due (by the 15th), not yet overdue; by October both were overdue or done.
        var rulesThen = then["schoolLines"]!.AsArray().Select(l => l!["rules"]!.AsArray().Single(r => r!["rule"]!.GetValue<string>() == "acknowledgement")!);
        Assert.All(rulesThen, r => Assert.Equal(1, r["due"]!.GetValue<int>()));

        var asOf = then["asOf"]!;
        Assert.False(asOf["live"]!.GetValue<bool>());
        Assert.Equal("2026-09-01", asOf["day"]!.GetValue<string>());
        Assert.Equal("2026-09-01", asOf["requested"]!.GetValue<string>());
        foreach (var line in then["schoolLines"]!.AsArray())
        {
            var urn = line!["urn"]!.GetValue<string>();
            Assert.Equal(firstDay[urn], line["position"]!.GetValue<long>());
            Assert.Equal(firstDay[urn], line["asOf"]!["position"]!.GetValue<long>());
            Assert.Equal("2026-09-01", line["asOf"]!["day"]!.GetValue<string>());
            Assert.False(line["asOf"]!["live"]!.GetValue<bool>());
        }
        var liveLines = live["schoolLines"]!.AsArray().ToDictionary(l => l!["urn"]!.GetValue<string>(), l => l!["asOf"]!["position"]!.GetValue<long>());
        Assert.True(liveLines["830001"] > firstDay["830001"], "the acknowledgement moved the first school on");
        Assert.Equal(await app.CountEventsAsync("830001"), liveLines["830001"]);
        Assert.All(live["schoolLines"]!.AsArray(), l =>
        {
            Assert.True(l!["asOf"]!["live"]!.GetValue<bool>());
            Assert.Null(l["asOf"]!["asyncPosition"]?.GetValue<long>()); // the client waits for the daemon before reading
        });

        // As of today, it is the live dashboard.
        Assert.Equal(Figures(live), Figures(await AsOfReads.ReadAsync(leader, $"/api/trusts/{Trust}/compliance?asOf=2026-10-01")));
    }

    [Fact]
    public async Task The_trust_dashboard_as_of_a_day_before_any_school_existed_or_a_chain_position_is_refused()
    {
        app.Clock.Now = new DateTimeOffset(2026, 10, 2, 9, 0, 0, TimeSpan.Zero);
        await app.Setup.RegisterAsync("830101", "School 830101", "trust-early", "Early Trust", ["early.sch.uk"], null, "system:test");
        var leaderId = await app.Setup.EnrolAsync("830101", "Leader", [Role.TrustLeader], new DateOnly(2025, 9, 1), "system:test");
        var leader = await app.ClientFor("830101", leaderId);
        await UseCase.AssertProblem(await leader.GetAsync("/api/trusts/trust-early/compliance?asOf=2026-09-30"), HttpStatusCode.NotFound, "before any school");
        var position = await leader.GetAsync("/api/trusts/trust-early/compliance?asOf=1");
        await UseCase.AssertProblem(position, HttpStatusCode.BadRequest, "a chain position");
        Assert.Contains("each school", await position.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await UseCase.AssertProblem(await leader.GetAsync("/api/trusts/trust-early/compliance?asOf=2026-10-03"), HttpStatusCode.BadRequest, "a day after today");
        await UseCase.AssertProblem(await leader.GetAsync("/api/trusts/trust-early/compliance?asOf=tomorrow"), HttpStatusCode.BadRequest, "not a day");
        // Whatever asOf carries, a problem in the 4xx range and nothing written.
        var before = await app.CountEventsAsync();
        foreach (var hostile in new[] { "", "-1", "0", "99999999999999999999", "2026-02-30", "0001-01-01", "9999-12-31", "1e400", "NaN", "%00", new string('7', 3000) })
        {
            var response = await leader.GetAsync($"/api/trusts/trust-early/compliance?asOf={hostile}");
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"asOf={hostile[..Math.Min(20, hostile.Length)]}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(before, await app.CountEventsAsync());
    }
}
