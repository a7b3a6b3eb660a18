using System.Net;
using System.Net.Http.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Retention;
using ComplianceLedger.Tests.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Notices;

/// <summary>The office is told, in one message, what retention erased on the day, and never whose details they were.</summary>
public sealed class RetentionNoticeTests(NoticesApp app) : IClassFixture<NoticesApp>
{
    [Fact]
    public async Task A_day_s_erasures_reach_the_office_in_one_message_that_counts_them_and_names_no_one()
    {
        var school = await app.SchoolAsync("139921", Role.Headteacher, Role.Office);
        var office = await school.As(Role.Office);
        foreach (var name in new[] { "Alex Leaver", "Sam Leaver" })
        {
            var leaver = await app.Setup.EnrolAsync(school.Urn, name, [Role.SupportStaff], new DateOnly(2015, 1, 5), "system:test");
            var left = await office.PostAsJsonAsync($"/api/schools/{school.Urn}/people/{leaver}/leaving", new { leftOn = "2019-07-31" });
            Assert.Equal(HttpStatusCode.OK, left.StatusCode);
        }

        var erased = await app.Services.GetRequiredService<RetentionSweep>().RunAsync(school.Urn, "trust-t1", new DateOnly(2025, 7, 31));
        Assert.Equal(2, erased.Count);

        Assert.True(await ScheduledWorkApp.EventuallyAsync(() => Task.FromResult(app.MessagesTo(school.Urn, Role.Office).Count >= 1), TimeSpan.FromSeconds(60)),
            "the office was not told: " + await app.ReportAsync());
        await Task.Delay(TimeSpan.FromSeconds(3));
        var message = Assert.Single(app.MessagesTo(school.Urn, Role.Office));
        Assert.Equal($"Personal details erased under retention (Test School {school.Urn})", message.Subject);
        Assert.Contains("the personal details of 2 people or records were erased under the school's retention schedule", message.TextBody, StringComparison.Ordinal);
        Assert.Contains($"/schools/{school.Urn}/retention", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Leaver", message.TextBody, StringComparison.Ordinal);
        // The office exists, so the head is not told.
        Assert.Empty(app.MessagesTo(school.Urn, Role.Headteacher));
    }
}
