using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Scheduling;
using Marten;
using Npgsql;

namespace ComplianceLedger.Api.Notices;

/// <summary>
/// Rule 5 of docs/notifications.md: a declaration that has waited 3 school days for the DSL's
/// advice is put to each DSL, and an item that has waited 3 school days for a decision to each
/// headteacher (the chair of governors when it is a head's own); then again every 5 school days
/// while it waits. What it waits for is the approvals queue's own answer (<see cref="ExceptionViews.AwaitingSql"/>).
/// One reminder row per item, <c>awaiting:{itemId}</c>, set by the event that started the wait.
/// School days are Monday to Friday: the ledger holds no term calendar yet.
/// </summary>
public static class AwaitingReminders
{
    public const string Prefix = "awaiting:";

    public const int FirstAfter = 3;

    public const int ThenEvery = 5;

    public static string Key(Guid itemId) => $"{Prefix}{itemId:D}";

    public static DateOnly AddSchoolDays(DateOnly day, int count)
    {
        while (count > 0)
        {
            day = day.AddDays(1);
            if (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                count--;
            }
        }
        return day;
    }

    /// <summary>For the append that started a wait (a declaration, a request, the DSL's advice, an extension asked): its reminder.</summary>
    public static Task OnWaitingAsync(IDocumentSession session, ScheduledWork work, string urn, Guid itemId, DateTimeOffset now) =>
        Reminders.SetAsync(session, work, urn, Key(itemId), Reminders.MorningOf(AddSchoolDays(EventStore.SchoolDay.Of(now), FirstAfter)), fresh: true);

    /// <summary>What the item waits for now (<c>dsl-advice</c>, <c>decision</c>, <c>extension-decision</c>), and whose it is; null when nothing.</summary>
    public static async Task<(string Awaiting, Guid Holder)?> AwaitingAsync(NpgsqlDataSource dataSource, string urn, Guid itemId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT {ExceptionViews.AwaitingSql}, x.person_id FROM rm.exceptions x WHERE x.tenant = $1 AND x.item_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = itemId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) && !reader.IsDBNull(0) && reader.GetString(0) is "dsl-advice" or "decision" or "extension-decision"
            ? (reader.GetString(0), reader.GetGuid(1))
            : null;
    }

    /// <summary>Who is asked: the DSLs for advice; for a decision the heads, or the chair of governors for a head's own.</summary>
    public static async Task<(string Kind, List<Guid> To)> AskedAsync(NpgsqlDataSource dataSource, string urn, string awaiting, Guid holder, CancellationToken ct)
    {
        if (awaiting == "dsl-advice")
        {
            return (NoticeKinds.DeclarationAwaitingAdvice, [.. (await Notices.InRoleAsync(dataSource, urn, "dsl", ct)).Where(p => p != holder)]);
        }
        var heads = await Notices.HeadteachersAsync(dataSource, urn, ct);
        return (NoticeKinds.DecisionAwaiting, heads.Contains(holder)
            ? await Notices.InRoleAsync(dataSource, urn, "chair-of-governors", ct)
            : heads);
    }

    public static string Subject(Guid itemId, string awaiting) => $"{itemId:D}:{awaiting}";
}
