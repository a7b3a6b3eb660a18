using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using static ComplianceLedger.Tests.Exceptions.ExceptionArrangements;

namespace ComplianceLedger.Tests.Scheduling;

/// <summary>
/// An approval lapses at its date by a durable scheduled message: scheduled in the approval's
/// transaction, kept in PostgreSQL while no app runs, handled once by the next app to start, as
/// the system (the app role, as every LedgerApp runs).
/// </summary>
public sealed class ScheduledExpiryTests(ScheduledWorkApp app) : IClassFixture<ScheduledWorkApp>
{
    [Fact]
    public async Task An_approval_lapses_at_its_date_once_though_the_app_stopped_before_it_was_due()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Requested);
        var school = arranged.School;
        var item = arranged["item"];
        var until = ScheduledWorkApp.Tomorrow;
        var lapse = new ExpiryDue(school.Urn, Guid.Parse(item), until);
        // The school's clock reaches the lapse (the day after until) 8 seconds from now.
        var due = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(8);
        app.Clock.JumpAt(due, lapse.DueAt + TimeSpan.FromMinutes(1));
        var scheduledBefore = await app.ScheduledMessagesAsync();

        await PostOkAsync(await school.As(Role.Headteacher), $"/api/schools/{school.Urn}/exceptions/{item}/approval",
            new { conditions = "Trip hours only.", until = until.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(scheduledBefore + 1, await app.ScheduledMessagesAsync());

        await app.Host.StopAsync();
        Assert.True(DateTimeOffset.UtcNow < due, "the app must stop before the lapse is due");
        var stream = ExceptionCase.RequestStreamId(Guid.Parse(item));
        Assert.Empty(await app.EventsAsync(school.Urn, stream, "exception.expired.v1"));

        await using var next = app.StartAnotherInstance();
        Assert.True(await ScheduledWorkApp.EventuallyAsync(
            async () => (await app.EventsAsync(school.Urn, stream, "exception.expired.v1")).Count > 0, TimeSpan.FromSeconds(40)),
            "the new app did not record the lapse: " + await app.ReportAsync());
        // Several polls later, still one.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var expired = Assert.Single(await app.EventsAsync(school.Urn, stream, "exception.expired.v1"));
        Assert.Equal(ExpiryDue.Actor, expired.Actor);
        Assert.Equal(until.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            System.Text.Json.JsonDocument.Parse(expired.Data).RootElement.GetProperty("expiredOn").GetString());
        Assert.Equal(scheduledBefore, await app.ScheduledMessagesAsync());
    }
}
