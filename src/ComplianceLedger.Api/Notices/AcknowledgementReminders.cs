using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Projections.Rules;
using Marten;
using Npgsql;

namespace ComplianceLedger.Api.Notices;

/// <summary>
/// Rule 1 of docs/notifications.md: a person who must acknowledge a policy's current version is
/// told when the obligation starts, 7 days and 1 day before the deadline, the day after it and
/// weekly after that; from 14 days overdue each headteacher is told too. The deadline and whether
/// anything is owed are the dashboard's own (<see cref="AcknowledgementCoverage"/>), judged the day
/// the reminder fires, so a dated change (a start, a leave, a role) moves the reminders with it.
/// One reminder row per person and policy: <c>ack:{personId}:{policyId}</c>.
/// </summary>
public static class AcknowledgementReminders
{
    public const string Prefix = "ack:";

    public static string Key(Guid personId, string policyId) => $"{Prefix}{personId:D}:{policyId}";

    /// <summary>What to say on <paramref name="today"/> (nothing, or one kind; the copy goes with an overdue notice) and when to look again.</summary>
    public sealed record Planned(string? Kind, bool CopyToHead, DateOnly? DueOn, DateOnly? Next)
    {
        public static readonly Planned Done = new(null, false, null, null);
    }

    /// <param name="lastFiredOn">The day this rule last said something to the person about this obligation; null for a new obligation.</param>
    public static Planned Plan(PersonFacts person, PolicyVersionFacts? version, AcknowledgementFacts? latest, DateOnly? lastFiredOn, DateOnly today)
    {
        if (version is null || AcknowledgementCoverage.Evaluate(person, version, latest, today) is not { } verdict)
        {
            return Planned.Done;
        }
        switch (verdict.Status)
        {
            case ComplianceStatus.NotStarted:
                return new Planned(null, false, null, person.StartedOn);
            case ComplianceStatus.OnLeave:
                // Back on a known day: the deadline starts again then. Otherwise the return, when recorded, sets the reminder again.
                return person.LeaveOn(today)?.Until is { } back ? new Planned(null, false, null, back) : Planned.Done;
            case ComplianceStatus.Due or ComplianceStatus.Overdue when verdict.DueOn is { } due:
                break;
            default:
                return Planned.Done;
        }
        var deadline = verdict.DueOn!.Value;
        var starts = deadline.AddDays(-version.DaysToAcknowledge);
        var days = Days(starts, deadline);
        var next = NextAfter(days, today, deadline);
        if (lastFiredOn is null)
        {
            // The first word about an obligation: what is asked and by when, or that it is late already.
            return today > deadline
                ? new Planned(NoticeKinds.AcknowledgementOverdue, today.DayNumber - deadline.DayNumber >= 14, deadline, next)
                : new Planned(NoticeKinds.AcknowledgementRequested, false, deadline, next);
        }
        // The latest reminder day since the last word (a late delivery says the latest thing once).
        DateOnly? latestDay = null;
        foreach (var day in days.TakeWhile(d => d <= today))
        {
            if (day > lastFiredOn)
            {
                latestDay = day;
            }
        }
        if (today > deadline)
        {
            // The weekly overdue day on or before today.
            var lastOverdue = deadline.AddDays(1 + 7 * ((today.DayNumber - deadline.DayNumber - 1) / 7));
            if (lastOverdue > lastFiredOn)
            {
                latestDay = lastOverdue;
            }
        }
        if (latestDay is not { } said)
        {
            return new Planned(null, false, deadline, next);
        }
        return said > deadline
            ? new Planned(NoticeKinds.AcknowledgementOverdue, said.DayNumber - deadline.DayNumber >= 14, deadline, next)
            : said == starts
                ? new Planned(NoticeKinds.AcknowledgementRequested, false, deadline, next)
                : new Planned(NoticeKinds.AcknowledgementDueSoon, false, deadline, next);
    }

    /// <summary>The reminder days up to the first overdue one: the start, 7 and 1 days before, the day after.</summary>
    static List<DateOnly> Days(DateOnly starts, DateOnly deadline)
    {
        var days = new List<DateOnly> { starts };
        foreach (var day in new[] { deadline.AddDays(-7), deadline.AddDays(-1) })
        {
            if (day > starts)
            {
                days.Add(day);
            }
        }
        days.Add(deadline.AddDays(1));
        return days;
    }

    /// <summary>The first reminder day after <paramref name="today"/>: one of <paramref name="days"/>, else the next weekly overdue day.</summary>
    static DateOnly NextAfter(List<DateOnly> days, DateOnly today, DateOnly deadline)
    {
        foreach (var day in days)
        {
            if (day > today)
            {
                return day;
            }
        }
        var firstOverdue = deadline.AddDays(1);
        var weeks = (today.DayNumber - firstOverdue.DayNumber) / 7 + 1;
        return firstOverdue.AddDays(7 * weeks);
    }

    /// <summary>Reads the facts the plan needs, as they stand now in the read model.</summary>
    public static async Task<(PersonFacts? Person, PolicyVersionFacts? Version, AcknowledgementFacts? Latest)> FactsAsync(
        NpgsqlDataSource dataSource, string urn, Guid personId, string policyId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var person = (await FactsQueries.PeopleAsync(connection, null, urn, personId, ct)).SingleOrDefault();
        var version = (await FactsQueries.CurrentVersionsAsync(connection, null, urn, policyId, ct)).SingleOrDefault();
        if (person is null || version is null)
        {
            return (person, version, null);
        }
        var latest = (await FactsQueries.AcknowledgementsAsync(connection, null, urn, policyId, personId, ct))
            .Where(a => a.VersionLabel == version.VersionLabel).MaxBy(a => a.At);
        return (person, version, latest);
    }

    /// <summary>
    /// For a version's publication (<c>AppendRequest.BeforeCommit</c>): a fresh reminder, due now,
    /// for everyone now in one of its audiences (someone who takes such a role later gets theirs then).
    /// </summary>
    public static async Task OnPublishedAsync(
        IDocumentSession session, ScheduledWork work, NpgsqlDataSource dataSource, string urn, string policyId, IReadOnlyList<string> audiences, DateTimeOffset now)
    {
        var people = new List<Guid>();
        await using (var command = dataSource.CreateCommand(
            "SELECT person_id FROM rm.people WHERE tenant = $1 AND left_on IS NULL AND roles && $2"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. audiences] });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                people.Add(reader.GetGuid(0));
            }
        }
        foreach (var personId in people)
        {
            await Reminders.SetAsync(session, work, urn, Key(personId, policyId), now, fresh: true);
        }
    }

    /// <summary>
    /// For a person's enrolment, role change or return (<c>AppendRequest.BeforeCommit</c>): a fresh
    /// reminder for every current version, due when the change takes effect (the plan drops those
    /// the person does not owe).
    /// </summary>
    public static async Task OnPersonChangedAsync(
        IDocumentSession session, ScheduledWork work, NpgsqlDataSource dataSource, string urn, Guid personId, DateOnly effectiveOn, DateTimeOffset now)
    {
        var policies = new List<string>();
        await using (var command = dataSource.CreateCommand("SELECT DISTINCT policy_id FROM rm.policy_versions WHERE tenant = $1 AND is_current"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                policies.Add(reader.GetString(0));
            }
        }
        var dueAt = effectiveOn <= SchoolDay.Of(now) ? now : Reminders.MorningOf(effectiveOn);
        foreach (var policyId in policies)
        {
            await Reminders.SetAsync(session, work, urn, Key(personId, policyId), dueAt, fresh: true);
        }
    }
}
