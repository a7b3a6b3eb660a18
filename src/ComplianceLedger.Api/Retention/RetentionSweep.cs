using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Npgsql;

namespace ComplianceLedger.Api.Retention;

/// <summary>One erasure of a sweep: the subject, the rule and the day it fell due.</summary>
public sealed record Erasure(string Urn, Guid Subject, string Rule, DateOnly DueOn);

/// <summary>
/// A school's retention on a given day: shreds every subject key that the table says is due
/// (<see cref="RetentionDue"/>), then records <c>personal-data.erased.v1</c> for every key shredded
/// under retention that has no such event yet. The key goes first and the event second, so a crash
/// between them leaves a shredded key without its event, which the next run records (with the
/// moment the key was shredded); the event's stream and command id are the subject's, so two runs,
/// or two nodes, record it once.
/// </summary>
public sealed partial class RetentionSweep(
    NpgsqlDataSource dataSource, LedgerStore store, PersonalDataVault vault, Scheduling.ScheduledWork work, IConfiguration configuration, TimeProvider time,
    ILogger<RetentionSweep> log)
{
    /// <summary>Every school's sweep for its day <paramref name="today"/>.</summary>
    public async Task<IReadOnlyList<Erasure>> RunAsync(DateOnly today, CancellationToken ct = default)
    {
        var done = new List<Erasure>();
        foreach (var (urn, trust) in await SchoolsAsync(ct))
        {
            try
            {
                done.AddRange(await RunAsync(urn, trust, today, ct));
            }
            catch (Exception e) when (e is NpgsqlException or CommandRefusedException or InvalidOperationException)
            {
                // One school's trouble must not stop the others; tomorrow's run tries it again.
                LogSchoolFailed(log, urn, e);
            }
        }
        return done;
    }

    /// <summary>One school's sweep (the table of <paramref name="trustId"/>).</summary>
    public async Task<IReadOnlyList<Erasure>> RunAsync(string urn, string? trustId, DateOnly today, CancellationToken ct = default)
    {
        var table = RetentionTable.For(trustId, configuration);
        var facts = await RetentionFacts.ReadAsync(dataSource, urn, ct);
        var live = await LiveKeysAsync(urn, ct);
        foreach (var subject in live)
        {
            if (facts.GetValueOrDefault(subject) is not { } known)
            {
                continue;
            }
            var verdict = RetentionDue.Due(known, table, today);
            if (verdict.Due)
            {
                await vault.ShredAsync(urn, subject, PersonalDataErased.ShreddedByPrefix + verdict.Rule!.Name, ct);
            }
        }
        var erased = new List<Erasure>();
        foreach (var (subject, shreddedAt, shreddedBy) in await UnrecordedAsync(urn, ct))
        {
            var rule = shreddedBy[PersonalDataErased.ShreddedByPrefix.Length..];
            var known = facts.GetValueOrDefault(subject);
            var verdict = known is null ? null : RetentionDue.Due(known, table, SchoolDay.Of(shreddedAt));
            var dueOn = verdict?.On ?? SchoolDay.Of(shreddedAt);
            var now = time.GetUtcNow();
            var @event = new PersonalDataErased(subject,
                known is VaultReferenceFacts ? PersonalDataErased.VaultReference : PersonalDataErased.Person,
                known is PersonFacts ? subject : null, (known as VaultReferenceFacts)?.AccountId,
                verdict?.Records ?? [], rule, dueOn, shreddedAt, now);
            var context = CommandContext.ForOperator(urn, PersonalDataErased.Actor, now, commandId: $"retention:{subject:D}");
            try
            {
                var result = await StreamHandler.HandleAsync(store, context, PersonalDataErased.StreamId(subject), PersonalDataErased.Stream,
                    recorded => recorded ? throw CommandRefusedException.Conflict("The erasure is recorded already.") : [@event],
                    // The office hears of the day's erasures in its next message (one notice a person a day, however many).
                    (session, token) => Notices.RetentionNotices.OnErasedAsync(session, work, dataSource, configuration, urn, SchoolDay.Of(now), now, token), ct);
                if (!result.Replayed)
                {
                    erased.Add(new Erasure(urn, subject, rule, dueOn));
                    LogErased(log, urn, subject, rule, dueOn);
                }
            }
            catch (CommandRefusedException)
            {
                // Another run recorded it between our look and our append.
            }
        }
        return erased;
    }

    async Task<List<(string Urn, string? Trust)>> SchoolsAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT tenant, trust_id FROM rm.schools ORDER BY tenant");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var schools = new List<(string, string?)>();
        while (await reader.ReadAsync(ct))
        {
            schools.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }
        return schools;
    }

    async Task<List<Guid>> LiveKeysAsync(string urn, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT subject_id FROM ledger.subject_keys WHERE tenant = $1 AND key IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var subjects = new List<Guid>();
        while (await reader.ReadAsync(ct))
        {
            subjects.Add(reader.GetGuid(0));
        }
        return subjects;
    }

    /// <summary>Keys shredded under retention whose erasure has no event yet (this run's, or a crashed run's).</summary>
    async Task<List<(Guid Subject, DateTimeOffset ShreddedAt, string ShreddedBy)>> UnrecordedAsync(string urn, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT k.subject_id, k.shredded_at, k.shredded_by FROM ledger.subject_keys k
             WHERE k.tenant = $1 AND k.key IS NULL AND k.shredded_by LIKE 'retention:%'
               AND NOT EXISTS (SELECT 1 FROM ledger.streams s WHERE s.tenant = $1 AND s.stream_id = 'personal-data-' || k.subject_id::text)
             ORDER BY k.shredded_at, k.subject_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<(Guid, DateTimeOffset, string)>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add((reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2)));
        }
        return rows;
    }

    [LoggerMessage(LogLevel.Information, "Retention erased subject {Subject} of school {Urn} under {Rule}, due on {DueOn}")]
    static partial void LogErased(ILogger log, string urn, Guid subject, string rule, DateOnly dueOn);

    [LoggerMessage(LogLevel.Error, "Retention's sweep of school {Urn} failed; the next run tries again")]
    static partial void LogSchoolFailed(ILogger log, string urn, Exception e);
}
