using ComplianceLedger.Api.Scheduling;
using ComplianceLedger.EventStore;
using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Projections.Rules;
using Marten;
using Npgsql;

namespace ComplianceLedger.Api.Notices;

/// <summary>
/// Rule 4 of docs/notifications.md: when an official account's owner or a custodian leaves or
/// changes role, its login details must be changed; each current custodian (each headteacher when
/// none is left) is told on the day and every 7 days until the rotation is recorded or the account
/// is decommissioned. Whether a rotation is owed is the dashboard's own rule
/// (<see cref="OfficialAccountRules.Rotation"/>). One reminder row per account: <c>rotation:{accountId}</c>.
/// </summary>
public static class CredentialRotationReminders
{
    public const string Prefix = "rotation:";

    public const int ThenEvery = 7;

    public static string Key(Guid accountId) => $"{Prefix}{accountId:D}";

    /// <summary>The subject of a notice: the account and the day the first unanswered trigger happened.</summary>
    public static string Subject(Guid accountId, DateOnly since) => $"{accountId:D}:{since:yyyy-MM-dd}";

    public static (Guid AccountId, DateOnly Since) ParseSubject(string subject) =>
        (Guid.Parse(subject.AsSpan(0, 36)), DateOnly.ParseExact(subject.AsSpan(37), "yyyy-MM-dd"));

    /// <summary>
    /// For the append in which a person leaves or changes role: a reminder on the day for every
    /// live account whose credentials they know (as the projection's triggers: owners and
    /// custodians for a role change, former holders too for a leaving).
    /// </summary>
    public static async Task OnHolderChangedAsync(
        IDocumentSession session, ScheduledWork work, NpgsqlDataSource dataSource, string urn, Guid personId, bool left, DateOnly effectiveOn, DateTimeOffset now)
    {
        var accounts = new List<Guid>();
        await using (var command = dataSource.CreateCommand("""
            SELECT h.account_id FROM rm.credential_holders h
              JOIN rm.official_accounts a ON a.tenant = h.tenant AND a.account_id = h.account_id
             WHERE h.tenant = $1 AND h.person_id = $2 AND a.decommissioned_on IS NULL AND ($3 OR h.as_owner OR h.as_custodian)
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = left });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                accounts.Add(reader.GetGuid(0));
            }
        }
        var dueAt = effectiveOn <= SchoolDay.Of(now) ? now : Reminders.MorningOf(effectiveOn);
        foreach (var accountId in accounts)
        {
            await Reminders.SetAsync(session, work, urn, Key(accountId), dueAt, fresh: true);
        }
    }

    /// <summary>What the rule says today: the subject to tell (or none), and when to look again.</summary>
    public static (string? Subject, DateOnly? Next) Plan(AccountFacts? account, IReadOnlyList<RotationTriggerFacts> triggers, IReadOnlyList<RotationFacts> rotations, DateOnly today)
    {
        if (account is null || account.Decommissioned || Since(account, triggers, rotations, today) is not { } since)
        {
            return (null, null);
        }
        return since > today ? (null, since) : (Subject(account.AccountId, since), today.AddDays(ThenEvery));
    }

    /// <summary>The day of the first trigger no rotation has answered; null when none is owed.</summary>
    public static DateOnly? Since(AccountFacts account, IReadOnlyList<RotationTriggerFacts> triggers, IReadOnlyList<RotationFacts> rotations, DateOnly today) =>
        OfficialAccountRules.Rotation(account, triggers, rotations, today) is { Status: ComplianceStatus.Due or ComplianceStatus.Overdue, DueOn: { } on } ? on : null;

    public sealed record Facts(AccountFacts? Account, IReadOnlyList<RotationTriggerFacts> Triggers, IReadOnlyList<RotationFacts> Rotations, IReadOnlyList<Guid> Custodians);

    /// <summary>The account's facts from the read model, with its current custodians.</summary>
    public static async Task<Facts> FactsAsync(NpgsqlDataSource dataSource, string urn, Guid accountId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        Guid[] ids = [accountId];
        var account = (await AccountQueries.AccountsAsync(connection, null, urn, ids, ct)).SingleOrDefault();
        var triggers = (await AccountQueries.TriggersAsync(connection, null, urn, ids, ct))[accountId].ToList();
        var rotations = (await AccountQueries.RotationsAsync(connection, null, urn, ids, ct))[accountId].ToList();
        var custodians = (await AccountQueries.CustodiansAsync(connection, null, urn, ids, ct))[accountId].Select(c => c.PersonId).ToList();
        return new Facts(account, triggers, rotations, custodians);
    }

    /// <summary>Who is told: the custodians still at the school; each headteacher when none is.</summary>
    public static async Task<List<Guid>> ToAsync(NpgsqlDataSource dataSource, string urn, IReadOnlyList<Guid> custodians, CancellationToken ct)
    {
        var current = new List<Guid>();
        await using (var command = dataSource.CreateCommand("SELECT person_id FROM rm.people WHERE tenant = $1 AND person_id = ANY ($2) AND left_on IS NULL ORDER BY person_id"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. custodians] });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                current.Add(reader.GetGuid(0));
            }
        }
        return current.Count > 0 ? current : await Notices.HeadteachersAsync(dataSource, urn, ct);
    }
}
