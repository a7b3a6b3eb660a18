using ComplianceLedger.Api.Policies;
using ComplianceLedger.Api.Scheduling;
using Marten;
using Npgsql;

namespace ComplianceLedger.Api.Notices;

/// <summary>
/// Rule 3 of docs/notifications.md: the clerk to the governors (the chair of governors where the
/// school has no clerk) is told 30 days before a policy's review date, in time to put it on a
/// committee's agenda. One reminder row per policy, <c>review:{policyId}</c>, set with the review
/// date by the publication or review that set it (<see cref="RecordReviewDue.Schedule"/>).
/// </summary>
public static class PolicyReviewReminders
{
    public const string Prefix = "review:";

    public const int DaysBefore = 30;

    public static string Key(string policyId) => $"{Prefix}{policyId}";

    /// <summary>The subject of the notice: the policy, its current version and the review date it names.</summary>
    public static string Subject(string policyId, string label, DateOnly reviewDue) => $"{policyId}:{label}:{reviewDue:yyyy-MM-dd}";

    /// <remarks>A policy id has no colon (<see cref="PublishPolicyVersion.CheckPolicyId"/>); a version label may.</remarks>
    public static (string PolicyId, string Label, DateOnly ReviewDue) ParseSubject(string subject)
    {
        var first = subject.IndexOf(':', StringComparison.Ordinal);
        var last = subject.LastIndexOf(':');
        return (subject[..first], subject[(first + 1)..last], DateOnly.ParseExact(subject.AsSpan(last + 1), "yyyy-MM-dd"));
    }

    /// <summary>For the append that set the review date: the reminder 30 days before (at once, when that has passed).</summary>
    public static Task OnReviewDateSetAsync(IDocumentSession session, ScheduledWork work, string urn, string policyId, DateOnly reviewDue) =>
        Reminders.SetAsync(session, work, urn, Key(policyId), Reminders.MorningOf(reviewDue.AddDays(-DaysBefore)), fresh: true);

    /// <summary>What the rule says today: the subject to tell (or none), and when to look again.</summary>
    /// <remarks>A review date already passed is the dashboard's "review overdue", not a notice ahead of it.</remarks>
    public static (string? Subject, DateOnly? Next) Plan(string policyId, Policy state, DateOnly today)
    {
        if (state.Current is not { } current || state.NextReviewDue is not { } due || today > due)
        {
            return (null, null);
        }
        var on = due.AddDays(-DaysBefore);
        return today < on ? (null, on) : (Subject(policyId, current.Label, due), null);
    }

    /// <summary>Whether the notice still says something true: the same version, the same review date, not retired.</summary>
    public static bool Stands(Policy state, string label, DateOnly reviewDue) =>
        state.Current?.Label == label && state.NextReviewDue == reviewDue;

    /// <summary>Who is told: each clerk to the governors, else the chair of governors.</summary>
    public static async Task<List<Guid>> ToAsync(NpgsqlDataSource dataSource, string urn, CancellationToken ct) =>
        await Notices.InRoleAsync(dataSource, urn, People.Roles.Name(People.Role.Clerk), ct) is { Count: > 0 } clerks
            ? clerks
            : await Notices.InRoleAsync(dataSource, urn, People.Roles.Name(People.Role.ChairOfGovernors), ct);
}
