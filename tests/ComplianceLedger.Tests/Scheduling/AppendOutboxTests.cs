using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.Scheduling;

/// <summary>
/// <see cref="AppendRequest.BeforeCommit"/> puts a scheduled message in the append's transaction:
/// it commits with the events, or neither is kept.
/// </summary>
public sealed class AppendOutboxTests(ScheduledWorkApp app) : IClassFixture<ScheduledWorkApp>
{
    [Fact]
    public async Task A_message_scheduled_in_an_append_is_kept_with_its_events_and_lost_with_them()
    {
        var store = app.Services.GetRequiredService<LedgerStore>();
        var work = app.Services.GetRequiredService<ScheduledWork>();
        var urn = "300913";
        Func<Marten.IDocumentSession, CancellationToken, Task> Schedule(Guid item) =>
            work.Schedule(urn, new ExpiryDue(urn, item, new DateOnly(2030, 1, 1)), DateTimeOffset.UtcNow.AddDays(30));
        AppendRequest Append(string stream, Func<Marten.IDocumentSession, CancellationToken, Task> beforeCommit) =>
            new(urn, stream, "test", ExpectedVersion.NoStream, [new NewEvent("test.outbox-tried.v1", """{"n":1}""")],
                new EventMetadata("system:test"))
            { BeforeCommit = beforeCommit };

        var refused = Guid.NewGuid();
        var failing = Schedule(refused);
        // The database refuses the transaction after the message was queued in it.
        await Assert.ThrowsAnyAsync<Exception>(() => store.AppendAsync(Append("outbox-refused", async (session, ct) =>
        {
            await failing(session, ct);
            session.QueueSqlCommand("SELECT 1 / 0");
        })));
        Assert.Null(await store.GetStreamVersionAsync(urn, "outbox-refused"));
        Assert.Equal(0, await ScheduledForAsync(refused));

        var kept = Guid.NewGuid();
        await store.AppendAsync(Append("outbox-kept", Schedule(kept)));
        Assert.Equal(1, await store.GetStreamVersionAsync(urn, "outbox-kept"));
        Assert.Equal(1, await ScheduledForAsync(kept));
    }

    async Task<long> ScheduledForAsync(Guid item)
    {
        await using var command = app.AdminDataSource.CreateCommand(
            "SELECT count(*) FROM wolverine.wolverine_incoming_envelopes WHERE status = 'Scheduled' AND position($1::bytea IN body) > 0");
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = System.Text.Encoding.UTF8.GetBytes(item.ToString()) });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
