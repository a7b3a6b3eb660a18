using ComplianceLedger.EventStore.PersonalData;
using Npgsql;

namespace ComplianceLedger.Api.Retention;

/// <summary>
/// The facts <see cref="RetentionDue"/> judges, for every subject of a school, in one round trip:
/// people from the facts read models (leaving, roles held at any time, acknowledgements, declarations
/// and requests with how they ended, breach reports), vault references from the credential events
/// (each sealed under a subject of its own) with their account's decommissioning.
/// </summary>
public static class RetentionFacts
{
    const string Day = "AT TIME ZONE 'Europe/London')::date";

    public static async Task<Dictionary<Guid, SubjectFacts>> ReadAsync(NpgsqlDataSource dataSource, string urn, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var sql in (string[])[
            """
            SELECT p.person_id, p.left_on,
                   p.roles && '{governor,chair-of-governors}'::text[]
                   OR EXISTS (SELECT 1 FROM rm.person_roles r WHERE r.tenant = p.tenant AND r.person_id = p.person_id
                                 AND r.roles && '{governor,chair-of-governors}'::text[]),
                   EXISTS (SELECT 1 FROM rm.acknowledgements a WHERE a.tenant = p.tenant AND a.person_id = p.person_id)
              FROM rm.people p WHERE p.tenant = $1
            """,
            $"""
            SELECT person_id, item_id, subject = 'declaration',
                   CASE WHEN status = 'declined' THEN (decided_at {Day}
                        WHEN status IN ('withdrawn', 'revoked', 'expired') THEN (COALESCE(closed_at, decided_at, opened_at) {Day} END,
                   CASE WHEN status = 'approved' THEN until END
              FROM rm.exceptions WHERE tenant = $1
            """,
            "SELECT COALESCE(shared_by, reported_by), occurred_on FROM rm.credential_sharing_reports WHERE tenant = $1",
            """
            SELECT DISTINCT (e.data ->> 'accountId')::uuid, e.data ->> 'vaultReference', a.decommissioned_on
              FROM ledger.events e LEFT JOIN rm.official_accounts a ON a.tenant = e.tenant AND a.account_id = (e.data ->> 'accountId')::uuid
             WHERE e.tenant = $1 AND e.event_type IN ('credentials.lodged.v1', 'credentials.rotated.v1')
               AND e.data ->> 'vaultReference' LIKE 'pd1:%'
            """])
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            batch.BatchCommands.Add(command);
        }
        var people = new List<(Guid Id, DateOnly? Left, bool Governor, bool Acknowledged)>();
        var items = new Dictionary<Guid, List<HeldItem>>();
        var incidents = new Dictionary<Guid, List<DateOnly>>();
        var facts = new Dictionary<Guid, SubjectFacts>();
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                people.Add((reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateOnly>(1), reader.GetBoolean(2), reader.GetBoolean(3)));
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var person = reader.GetGuid(0);
                (items.TryGetValue(person, out var list) ? list : items[person] = []).Add(new HeldItem(reader.GetGuid(1), reader.GetBoolean(2),
                    reader.IsDBNull(3) ? null : reader.GetFieldValue<DateOnly>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateOnly>(4)));
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var person = reader.GetGuid(0);
                (incidents.TryGetValue(person, out var list) ? list : incidents[person] = []).Add(reader.GetFieldValue<DateOnly>(1));
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (PersonalDataVault.SubjectOf(reader.GetString(1)) is { } subject)
                {
                    facts[subject] = new VaultReferenceFacts(subject, reader.GetGuid(0), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateOnly>(2));
                }
            }
        }
        foreach (var (id, left, governor, acknowledged) in people)
        {
            facts[id] = new PersonFacts(id, left, governor, acknowledged, items.GetValueOrDefault(id) ?? [], incidents.GetValueOrDefault(id) ?? []);
        }
        return facts;
    }
}
