using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Scheduling;
using Marten;
using Npgsql;

namespace ComplianceLedger.Api.Notices;

/// <summary>
/// The office is told when retention erased someone's personal details (docs/retention.md): one
/// notice a day for each person in the office (each headteacher when there is none), whatever the
/// number erased; the message counts them and links to the retention report.
/// </summary>
public static class RetentionNotices
{
    public const string Reminder = "retention";

    /// <summary>For the append of a <c>personal-data.erased.v1</c>: the day's notice to the office.</summary>
    public static async Task OnErasedAsync(
        IDocumentSession session, ScheduledWork work, NpgsqlDataSource dataSource, IConfiguration configuration, string urn, DateOnly today,
        DateTimeOffset now, CancellationToken ct)
    {
        var office = await Notices.InRoleAsync(dataSource, urn, Roles.Name(Role.Office), ct);
        foreach (var person in office.Count > 0 ? office : await Notices.HeadteachersAsync(dataSource, urn, ct))
        {
            await Notices.AddAsync(session, work, urn, person, NoticeKinds.RetentionErased, $"{today:yyyy-MM-dd}", null, Reminder, today, now + Notices.GatherFor(configuration));
        }
    }

    /// <summary>How many erasures the school recorded on the day (school time).</summary>
    public static async Task<long> CountAsync(NpgsqlConnection c, NpgsqlTransaction tx, string urn, DateOnly day, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM ledger.events
             WHERE tenant = $1 AND event_type = 'personal-data.erased.v1' AND (recorded_at AT TIME ZONE 'Europe/London')::date = $2
            """, c, tx);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = day });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
