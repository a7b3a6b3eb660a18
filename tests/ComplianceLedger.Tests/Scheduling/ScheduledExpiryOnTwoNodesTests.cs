using System.Net;
using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.UseCases;
using Npgsql;
using static ComplianceLedger.Tests.Exceptions.ExceptionArrangements;

namespace ComplianceLedger.Tests.Scheduling;

/// <summary>
/// Two nodes of the app on one database: each lapse is recorded once, by one of them; an approval
/// revoked before its date lapses not at all; a retried approval (same Idempotency-Key) schedules
/// nothing again.
/// </summary>
public sealed class ScheduledExpiryOnTwoNodesTests(ScheduledWorkApp app) : IClassFixture<ScheduledWorkApp>
{
    static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task With_two_nodes_each_lapse_is_recorded_once_and_a_revoked_approval_does_not_lapse()
    {
        var until = ScheduledWorkApp.Tomorrow;
        var due = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(25);
        app.Clock.JumpAt(due, new ExpiryDue("", Guid.Empty, until).DueAt + TimeSpan.FromMinutes(1));
        await using var second = app.StartAnotherInstance();

        var school = (await UseCase.FreshSchoolAsync(app, Requested)).School;
        var head = await school.As(Role.Headteacher);
        var teacher = await school.As(Role.Teacher);
        var items = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var item = await CreatedIdAsync(teacher, $"/api/schools/{school.Urn}/exceptions", Request);
            await PostOkAsync(head, $"/api/schools/{school.Urn}/exceptions/{item}/approval", new { conditions = "Trip hours only.", until = Date(until) });
            items.Add(item);
        }
        var revoked = items[^1];
        await PostOkAsync(head, $"/api/schools/{school.Urn}/exceptions/{revoked}/revocation", new { reason = "The trip was cancelled." });
        Assert.True(DateTimeOffset.UtcNow < due, "the arrangement must finish before the lapses are due");

        var lapsing = items[..^1];
        Assert.True(await ScheduledWorkApp.EventuallyAsync(async () =>
        {
            foreach (var item in lapsing)
            {
                if ((await Expired(school.Urn, item)).Count == 0)
                {
                    return false;
                }
            }
            return true;
        }, TimeSpan.FromSeconds(60)), "not every lapse was recorded: " + await app.ReportAsync());
        await Task.Delay(TimeSpan.FromSeconds(2));
        foreach (var item in lapsing)
        {
            Assert.Equal(ExpiryDue.Actor, Assert.Single(await Expired(school.Urn, item)).Actor);
        }
        Assert.Empty(await Expired(school.Urn, revoked));
    }

    Task<List<(string Actor, string Data)>> Expired(string urn, string item) =>
        app.EventsAsync(urn, ExceptionCase.RequestStreamId(Guid.Parse(item)), "exception.expired.v1");

    [Fact]
    public async Task A_retried_approval_with_the_same_key_schedules_its_lapse_once()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Requested);
        var school = arranged.School;
        var head = await school.As(Role.Headteacher);
        var until = ScheduledWorkApp.Tomorrow.AddDays(3);
        var before = await ScheduledFor(school.Urn);

        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/schools/{school.Urn}/exceptions/{arranged["item"]}/approval")
            {
                Content = ComplianceLedger.Tests.Exceptions.ExceptionArrangements.Json($$"""{"conditions":"Trip hours only.","until":"{{Date(until)}}"}"""),
            };
            request.Headers.Add("Idempotency-Key", "approve-once");
            var response = await head.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(before + 1, await ScheduledFor(school.Urn));
    }

    // Scheduled messages are stored serialised; the school's URN is in the message's body.
    async Task<long> ScheduledFor(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand(
            "SELECT count(*) FROM wolverine.wolverine_incoming_envelopes WHERE status = 'Scheduled' AND message_type LIKE '%ExpiryDue' AND position($1::bytea IN body) > 0");
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = System.Text.Encoding.UTF8.GetBytes(urn) });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
