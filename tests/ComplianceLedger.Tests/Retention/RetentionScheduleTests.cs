using ComplianceLedger.Api.Retention;
using ComplianceLedger.EventStore;
using ComplianceLedger.Tests.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Retention;

/// <summary>
/// The daily sweep as a durable scheduled message: scheduled at start-up, it runs at 02:00 on the
/// school's clock (here jumped to the leaver's due day), erases what is due and schedules the next day's.
/// </summary>
public sealed class RetentionScheduleTests(RetentionApp app) : IClassFixture<RetentionApp>
{
    [Fact]
    public async Task The_daily_message_erases_the_leaver_at_two_on_the_due_day_and_schedules_the_next_day()
    {
        var s = await app.SchoolAsync("trust-t1", new DateOnly(2019, 7, 31));
        var schedule = app.Services.GetRequiredService<RetentionSchedule>();
        // Start-up scheduled the first sweep (for the next 02:00 on the wall clock).
        Assert.True(await ScheduledWorkApp.EventuallyAsync(async () => await schedule.CurrentAsync(default) is not null, TimeSpan.FromSeconds(20)),
            "no sweep was scheduled at start-up: " + await app.ReportAsync());

        // The school's clock reaches 01:59:58 on the due day 3 seconds from now; the sweep is moved to 02:00 that day.
        var at = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(new DateTime(2025, 7, 31, 2, 0, 0), SchoolDay.Zone), TimeSpan.Zero);
        app.Clock.JumpAt(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(3), at - TimeSpan.FromSeconds(2));
        await schedule.RescheduleAsync(at, default);

        Assert.True(await ScheduledWorkApp.EventuallyAsync(async () => (await app.ErasuresAsync(s.Urn)).Count > 0, TimeSpan.FromSeconds(40)),
            "the scheduled sweep erased nothing: " + await app.ReportAsync());
        var (actor, _, data) = Assert.Single(await app.ErasuresAsync(s.Urn));
        Assert.Equal(PersonalDataErased.Actor, actor);
        Assert.Equal(s.Leaver, data.GetProperty("personId").GetGuid());
        Assert.True((await app.KeyAsync(s.Urn, s.Current)).Live);

        // The next sweep: 02:00 the day after, the message that ran no longer the row's.
        var nextDay = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(new DateTime(2025, 8, 1, 2, 0, 0), SchoolDay.Zone), TimeSpan.Zero);
        Assert.True(await ScheduledWorkApp.EventuallyAsync(async () => (await schedule.CurrentAsync(default))?.DueAt == nextDay, TimeSpan.FromSeconds(10)),
            $"the next sweep is at {(await schedule.CurrentAsync(default))?.DueAt}, not {nextDay}");
        await using var command = app.AdminDataSource.CreateCommand(
            "SELECT count(*) FROM wolverine.wolverine_incoming_envelopes WHERE status = 'Scheduled' AND message_type LIKE '%RetentionSweepDue'");
        // The start-up one (superseded, waiting for its wall-clock moment) and the next day's.
        Assert.Equal(2L, (long)(await command.ExecuteScalarAsync())!);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(await app.ErasuresAsync(s.Urn));
        // And the chain still verifies after the scheduled erasure.
        using var key = ComplianceLedger.EventStore.Checkpoints.SigningKey.FromPem(app.SigningKeyPem);
        Assert.Empty((await new ComplianceLedger.EventStore.Verification.LedgerVerifier(app.AppDataSource)
            .VerifyTenantAsync(s.Urn, new Dictionary<string, byte[]> { [key.KeyId] = key.PublicKey })).Problems);
    }
}
