using ComplianceLedger.Api.Scheduling;
using Marten;
using Npgsql;

namespace ComplianceLedger.Api.Notices;

/// <summary>Pending notices (<c>ledger.pending_notices</c>): ids and dates only, gathered into a person's next message.</summary>
public static class Notices
{
    /// <summary>How long the first notice of a message waits for others falling due with it (<c>Ledger:Mail:GatherFor</c>).</summary>
    public static TimeSpan GatherFor(IConfiguration configuration) =>
        configuration.GetValue<TimeSpan?>("Ledger:Mail:GatherFor") ?? TimeSpan.FromMinutes(5);

    public static string Id(Guid personId, string kind, string subject, Guid? about, DateOnly dueOn) =>
        about is { } other ? $"{personId:D}:{kind}:{subject}:{other:D}:{dueOn:yyyy-MM-dd}" : $"{personId:D}:{kind}:{subject}:{dueOn:yyyy-MM-dd}";

    /// <summary>Stores the notice (once, whatever the retries) and asks for the person's message at <paramref name="gatherAt"/>.</summary>
    public static async Task AddAsync(
        IDocumentSession session, ScheduledWork work, string urn, Guid personId, string kind, string subject, Guid? about, string reminder,
        DateOnly dueOn, DateTimeOffset gatherAt)
    {
        session.QueueSqlCommand("""
            INSERT INTO ledger.pending_notices (tenant, id, person_id, kind, subject, about, reminder, due_on)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, id) DO NOTHING
            """, urn, Id(personId, kind, subject, about, dueOn), personId, kind, subject, (object?)about ?? DBNull.Value, reminder, dueOn);
        await work.Schedule(urn, new DeliverNotices(urn, personId), gatherAt)(session, CancellationToken.None);
    }

    /// <summary>The school's current headteachers.</summary>
    public static Task<List<Guid>> HeadteachersAsync(NpgsqlDataSource dataSource, string urn, CancellationToken ct) =>
        InRoleAsync(dataSource, urn, "headteacher", ct);

    /// <summary>The school's current people in the role (its ledger name).</summary>
    public static async Task<List<Guid>> InRoleAsync(NpgsqlDataSource dataSource, string urn, string role, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT person_id FROM rm.people WHERE tenant = $1 AND left_on IS NULL AND $2 = ANY (roles) ORDER BY person_id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = role });
        var heads = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            heads.Add(reader.GetGuid(0));
        }
        return heads;
    }
}
