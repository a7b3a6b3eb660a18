using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using Marten;
using Npgsql;
using Wolverine;

namespace ComplianceLedger.Api.Notices;

/// <summary>
/// A rule instance fell due: if the message is still the row's (not superseded or cancelled), the
/// rule's plan says what to tell whom now and when to look again; the notices, the row's next
/// moment and the next message commit together, so a redelivered message finds the row moved.
/// </summary>
public static partial class ReminderDueHandler
{
    public static async Task Handle(
        ReminderDue due, Envelope envelope, NpgsqlDataSource dataSource, IDocumentStore marten, LedgerStore store, ScheduledWork work, TimeProvider time,
        IConfiguration configuration, IMessageContext bus, ILogger<ReminderDue> log, CancellationToken ct)
    {
        if (!string.Equals(envelope.TenantId, due.Urn, StringComparison.Ordinal))
        {
            LogWrongSchool(log, due.Key, envelope.TenantId);
            return;
        }
        var row = await RowAsync(dataSource, due.Urn, due.Key, ct);
        if (row is not { } current || current.DueAt != Reminders.Truncate(due.DueAt))
        {
            return;
        }
        var now = time.GetUtcNow();
        if (now < due.DueAt)
        {
            // Delivered early (a clock moved): wait for the moment again.
            await bus.ScheduleAsync(due, ScheduledWork.WallClockOf(time, due.DueAt));
            return;
        }
        var today = SchoolDay.Of(now);
        await using var session = marten.LightweightSession(due.Urn);
        var gatherAt = now + Notices.GatherFor(configuration);
        DateOnly? next;
        DateOnly? saidOn = null;
        if (due.Key.StartsWith(AcknowledgementReminders.Prefix, StringComparison.Ordinal)
            && ParseAcknowledgementKey(due.Key) is var (personId, policyId))
        {
            var (person, version, latest) = await AcknowledgementReminders.FactsAsync(dataSource, due.Urn, personId, policyId, ct);
            var step = person is null ? AcknowledgementReminders.Planned.Done : AcknowledgementReminders.Plan(person, version, latest, current.LastFiredOn, today);
            next = step.Next;
            if (step.Kind is { } kind && version is not null)
            {
                saidOn = today;
                var subject = $"{policyId}:{version.VersionLabel}";
                await Notices.AddAsync(session, work, due.Urn, personId, kind, subject, null, due.Key, today, gatherAt);
                if (step.CopyToHead)
                {
                    foreach (var head in await Notices.HeadteachersAsync(dataSource, due.Urn, ct))
                    {
                        await Notices.AddAsync(session, work, due.Urn, head, NoticeKinds.AcknowledgementOverdueCopy, subject, personId, due.Key, today, gatherAt);
                    }
                }
            }
        }
        else if (due.Key.StartsWith(ExceptionReminders.Prefix, StringComparison.Ordinal)
            && Guid.TryParse(due.Key.AsSpan(ExceptionReminders.Prefix.Length), out var itemId))
        {
            var (_, _, state) = await Exceptions.ExceptionCase.FindAsync(store, due.Urn, itemId, ct);
            (var say, next) = ExceptionReminders.Plan(state, today);
            if (say)
            {
                saidOn = today;
                await ExceptionReminders.TellAsync(session, work, dataSource, due.Urn, state, state.Until!.Value,
                    NoticeKinds.ExceptionEnding, NoticeKinds.ExceptionEndingCopy, due.Key, today, gatherAt, ct);
            }
        }
        else if (due.Key.StartsWith(AwaitingReminders.Prefix, StringComparison.Ordinal)
            && Guid.TryParse(due.Key.AsSpan(AwaitingReminders.Prefix.Length), out var waitingId))
        {
            next = null;
            if (await AwaitingReminders.AwaitingAsync(dataSource, due.Urn, waitingId, ct) is var (awaiting, holder))
            {
                saidOn = today;
                var (kind, to) = await AwaitingReminders.AskedAsync(dataSource, due.Urn, awaiting, holder, ct);
                foreach (var person in to)
                {
                    await Notices.AddAsync(session, work, due.Urn, person, kind, AwaitingReminders.Subject(waitingId, awaiting), holder, due.Key, today, gatherAt);
                }
                next = AwaitingReminders.AddSchoolDays(today, AwaitingReminders.ThenEvery);
            }
        }
        else if (due.Key.StartsWith(PolicyReviewReminders.Prefix, StringComparison.Ordinal))
        {
            var reviewed = due.Key[PolicyReviewReminders.Prefix.Length..];
            var (policy, _) = await Ledger.StreamHandler.LoadAsync(store, due.Urn, Policies.Policy.StreamId(reviewed), Policies.Policy.Stream, ct);
            (var subject, next) = PolicyReviewReminders.Plan(reviewed, policy, today);
            if (subject is not null)
            {
                saidOn = today;
                foreach (var person in await PolicyReviewReminders.ToAsync(dataSource, due.Urn, ct))
                {
                    await Notices.AddAsync(session, work, due.Urn, person, NoticeKinds.PolicyReviewDue, subject, null, due.Key, today, gatherAt);
                }
            }
        }
        else if (due.Key.StartsWith(CredentialRotationReminders.Prefix, StringComparison.Ordinal)
            && Guid.TryParse(due.Key.AsSpan(CredentialRotationReminders.Prefix.Length), out var accountId))
        {
            var facts = await CredentialRotationReminders.FactsAsync(dataSource, due.Urn, accountId, ct);
            (var subject, next) = CredentialRotationReminders.Plan(facts.Account, facts.Triggers, facts.Rotations, today);
            if (subject is not null)
            {
                saidOn = today;
                foreach (var person in await CredentialRotationReminders.ToAsync(dataSource, due.Urn, facts.Custodians, ct))
                {
                    await Notices.AddAsync(session, work, due.Urn, person, NoticeKinds.CredentialsRotationDue, subject, null, due.Key, today, gatherAt);
                }
            }
        }
        else
        {
            LogUnknownRule(log, due.Key);
            next = null;
        }
        if (next is { } day)
        {
            var nextAt = Reminders.Truncate(Reminders.MorningOf(day));
            session.QueueSqlCommand(
                "UPDATE ledger.reminders SET due_at = ?, last_fired_on = COALESCE(?, last_fired_on) WHERE tenant = ? AND key = ? AND due_at = ?",
                nextAt, (object?)saidOn ?? DBNull.Value, due.Urn, due.Key, current.DueAt);
            await work.Schedule(due.Urn, due with { DueAt = nextAt }, nextAt)(session, ct);
        }
        else
        {
            session.QueueSqlCommand("DELETE FROM ledger.reminders WHERE tenant = ? AND key = ? AND due_at = ?", due.Urn, due.Key, current.DueAt);
        }
        await session.SaveChangesAsync(ct);
    }

    static (Guid PersonId, string PolicyId)? ParseAcknowledgementKey(string key)
    {
        var rest = key[AcknowledgementReminders.Prefix.Length..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && Guid.TryParse(rest[..colon], out var personId) ? (personId, rest[(colon + 1)..]) : null;
    }

    sealed record Row(DateTimeOffset DueAt, DateOnly? LastFiredOn);

    static async Task<Row?> RowAsync(NpgsqlDataSource dataSource, string urn, string key, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT due_at, last_fired_on FROM ledger.reminders WHERE tenant = $1 AND key = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new Row(reader.GetFieldValue<DateTimeOffset>(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateOnly>(1))
            : null;
    }

    [LoggerMessage(LogLevel.Warning, "Reminder {Key} arrived for school {Tenant}, not its own; ignored")]
    static partial void LogWrongSchool(ILogger log, string key, string? tenant);

    [LoggerMessage(LogLevel.Warning, "Reminder {Key} names no rule this version knows; its row is removed")]
    static partial void LogUnknownRule(ILogger log, string key);
}
