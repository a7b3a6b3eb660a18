using ComplianceLedger.Api.Notices;
using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Projections.Rules;
using Marten;
using Npgsql;

namespace ComplianceLedger.Api.Import;

/// <summary>
/// Imported people whose obligations are current are asked to acknowledge, as an enrolment
/// through the API asks them (<see cref="AcknowledgementReminders.OnPersonChangedAsync"/>); the
/// rest of a school's history is not emailed. Current means that for some current policy version
/// the person has not started yet, or is due with the deadline still ahead: a starter of 2019 owes
/// an overdue acknowledgement, which the school records from its paper forms, not by email.
/// </summary>
internal static class NewStarterReminders
{
    // People whose reminders are scheduled per transaction: one outbox flush each.
    const int PerTransaction = 500;

    /// <param name="schedule">False where no message runtime runs (the CLI): the people are counted, not asked.</param>
    /// <returns>The imported people whose obligations are current.</returns>
    public static async Task<int> ScheduleAsync(
        IDocumentStore marten, ScheduledWork work, NpgsqlDataSource dataSource, string tenant, IReadOnlyList<Guid> people, DateTimeOffset now, bool schedule,
        CancellationToken ct)
    {
        var today = SchoolDay.Of(now);
        List<PersonFacts> facts;
        List<PolicyVersionFacts> versions;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            versions = await FactsQueries.CurrentVersionsAsync(connection, null, tenant, null, ct);
            if (versions.Count == 0)
            {
                return 0;
            }
            facts = await FactsQueries.PeopleAsync(connection, null, tenant, null, ct);
        }
        var imported = people.ToHashSet();
        var current = facts.Where(p => imported.Contains(p.PersonId) && versions.Any(v => IsCurrent(p, v, today))).ToList();
        foreach (var chunk in schedule ? current.Chunk(PerTransaction) : [])
        {
            var options = new Marten.Services.SessionOptions { TenantId = tenant };
            await using var session = marten.LightweightSession(options);
            foreach (var person in chunk)
            {
                await AcknowledgementReminders.OnPersonChangedAsync(session, work, dataSource, tenant, person.PersonId, person.StartedOn, now);
            }
            await session.SaveChangesAsync(ct);
        }
        return current.Count;
    }

    static bool IsCurrent(PersonFacts person, PolicyVersionFacts version, DateOnly today) =>
        AcknowledgementCoverage.Evaluate(person, version, null, today) is { } verdict
        && (verdict.Status == ComplianceStatus.NotStarted || (verdict.Status == ComplianceStatus.Due && verdict.DueOn >= today));
}
