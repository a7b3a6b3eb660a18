using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Projections.Rules;
using Npgsql;
using NpgsqlTypes;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>
/// Official accounts and credential custody: keeps their facts and replaces their verdicts in
/// rm.compliance. Runs after <see cref="FactsProjection"/> (people, schools) on the same
/// transaction. Besides its own events it follows people leaving or changing role (who knew the
/// credentials?) and the school's account rules, re-judging the accounts they touch.
/// Who knew the credentials is worked out from this projection's own tables, in chain order, so
/// a rebuild reaches the same triggers as the live run.
/// </summary>
public sealed class OfficialAccountsProjection(TimeProvider time) : IProjection
{
    public const string SubjectKind = "account";

    public string Name => "official-accounts";

    public ProjectionMode Mode => ProjectionMode.Inline;

    public bool Projects(string eventType) =>
        eventType.StartsWith("account.", StringComparison.Ordinal)
        || eventType.StartsWith("credentials.", StringComparison.Ordinal)
        || eventType.StartsWith("school.", StringComparison.Ordinal)
        || eventType is "person.left.v1" or "person.roles-changed.v1";

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new("official_accounts"), new("account_custodians"), new("credential_rotations"), new("credential_accesses"),
        new("credential_holders"), new("credential_rotation_triggers"), new("credential_sharing_reports"),
        new("compliance", $"subject_kind = '{SubjectKind}'"),
    ];

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken ct)
    {
        await Sql.ResetAsync(connection, transaction, tenant, ct, "rm.official_accounts", "rm.account_custodians", "rm.credential_rotations",
            "rm.credential_accesses", "rm.credential_holders", "rm.credential_rotation_triggers", "rm.credential_sharing_reports");
        await Sql.ExecuteAsync(connection, transaction, $"DELETE FROM rm.compliance WHERE subject_kind = '{SubjectKind}' AND ($1::text IS NULL OR tenant = $1)",
            ct, Sql.NullableText(tenant));
    }

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        var today = ProjectionTarget.Today(transaction, time);
        foreach (var tenantEvents in events.GroupBy(e => e.Tenant))
        {
            var touched = new HashSet<Guid>();
            var everyAccount = false;
            foreach (var e in tenantEvents)
            {
                if (e.EventType.StartsWith("school.", StringComparison.Ordinal))
                {
                    everyAccount = true;
                }
                else
                {
                    touched.UnionWith(await ApplyEventAsync(connection, transaction, e, ct));
                }
            }
            if (everyAccount)
            {
                touched.UnionWith(await AccountIdsAsync(connection, transaction, tenantEvents.Key, ct));
            }
            if (touched.Count > 0)
            {
                await ReevaluateAsync(connection, transaction, tenantEvents.Key, touched, today, ct);
            }
        }
    }

    /// <summary>Records one event's facts; returns the accounts whose verdicts may change.</summary>
    static async Task<IReadOnlyCollection<Guid>> ApplyEventAsync(NpgsqlConnection c, NpgsqlTransaction tx, StoredEvent e, CancellationToken ct)
    {
        var d = e.ParsedData();
        var (t, p, v) = (e.Tenant, e.ChainPosition, e.StreamVersion);
        if (e.EventType is "person.left.v1" or "person.roles-changed.v1")
        {
            var left = e.EventType == "person.left.v1";
            return await TriggerRotationsAsync(c, tx, t, d.Id("personId"), left, d.Date(left ? "leftOn" : "effectiveOn"), p, ct);
        }
        if (e.EventType == "credentials.sharing-reported.v1")
        {
            await Sql.ExecuteAsync(c, tx, """
                INSERT INTO rm.credential_sharing_reports (tenant, incident_id, account_id, reported_by, shared_by, what, channel, occurred_on, position)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tenant, incident_id) DO NOTHING
                """, ct, t, d.Id("incidentId"), NullableId(d, "accountId"), d.Id("reportedById"), NullableId(d, "sharedById"),
                d.Text("what"), d.Text("channel"), d.Date("occurredOn"), p);
            return [];
        }

        var account = d.Id("accountId");
        switch (e.EventType)
        {
            case "account.registered.v1":
                var owner = d.Id("ownerId");
                // In the append itself a second registration of a registered account fails on the
                // live-handle index (the register answers 409). Replaying history (a rebuild, an
                // "as of" answer) marks one recorded before that rule instead, as the migration did.
                var strict = ProjectionTarget.SchemaOf(tx) == ProjectionTarget.LiveSchema && !ReplayBatch.IsReplaying(tx);
                await Sql.ExecuteAsync(c, tx, """
                    INSERT INTO rm.official_accounts (tenant, account_id, platform, handle, url, purpose, intended_outcomes, owner_id, owner_position,
                        sealed_email, email_domain, registered_at, registered_position, account_version, last_position, handle_key, duplicate_of)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $9, $13, $9, $14,
                        CASE WHEN $15 THEN NULL ELSE (SELECT d.account_id FROM rm.official_accounts d
                             WHERE d.tenant = $1 AND d.platform = $3 AND d.handle_key = $14 AND d.decommissioned_on IS NULL AND d.duplicate_of IS NULL
                               AND d.account_id <> $2 ORDER BY d.registered_position LIMIT 1) END)
                    ON CONFLICT (tenant, account_id) DO NOTHING
                    """, ct, t, account, d.Text("platform"), d.Text("handle"), d.Text("url"), d.Text("purpose"), d.Text("intendedOutcomes"),
                    owner, p, d.Text("sealedRegistrationEmail"), d.Text("registrationEmailDomain"), d.Instant("registeredAt"), v,
                    AccountHandles.Key(d.Text("handle")), strict);
                await BecomeHolderAsync(c, tx, t, account, owner, "as_owner", ct);
                break;
            case "account.risk-assessed.v1":
                await UpdateAccountAsync(c, tx, "risk_reference = $5, risk_assessed_on = $6, risk_position = $4", t, account, v, p, ct,
                    d.Text("reference"), d.Date("assessedOn"));
                break;
            case "account.approved.v1":
                await UpdateAccountAsync(c, tx, "approved_at = $5, approved_by = $6, approved_as = $7, approval_position = $4", t, account, v, p, ct,
                    d.Instant("approvedAt"), d.Text("approvedBy"), d.Text("approvedAs"));
                break;
            case "account.url-notified.v1":
                // The first notification is the one that had to come before pupil access.
                await UpdateAccountAsync(c, tx, "url_notified_on = COALESCE(url_notified_on, $5), url_position = COALESCE(url_position, $4)",
                    t, account, v, p, ct, d.Date("notifiedOn"));
                break;
            case "account.pupil-access-granted.v1":
                await UpdateAccountAsync(c, tx, "pupil_access_on = $5, pupil_access_position = $4", t, account, v, p, ct, d.Date("grantedOn"));
                break;
            case "account.went-live.v1":
                await UpdateAccountAsync(c, tx, "first_used_on = $5, live_position = $4", t, account, v, p, ct, d.Date("firstUsedOn"));
                break;
            case "account.aup-link-checked.v1":
                await UpdateAccountAsync(c, tx, "aup_checked_on = $5, aup_linked = $6, aup_position = $4", t, account, v, p, ct,
                    d.Date("checkedOn"), d.GetProperty("linksToAup").GetBoolean());
                break;
            case "account.suspended.v1":
                await UpdateAccountAsync(c, tx, "suspended_on = $5", t, account, v, p, ct, d.Date("suspendedOn"));
                break;
            case "account.reinstated.v1":
                await UpdateAccountAsync(c, tx, "suspended_on = NULL", t, account, v, p, ct);
                break;
            case "account.decommissioned.v1":
                await UpdateAccountAsync(c, tx, "decommissioned_on = $5", t, account, v, p, ct, d.Date("decommissionedOn"));
                break;
            case "account.owner-changed.v1":
                var previous = d.Id("previousOwnerId");
                var next = d.Id("ownerId");
                await UpdateAccountAsync(c, tx, "owner_id = $5, owner_position = $4", t, account, v, p, ct, next);
                await StopHolderAsync(c, tx, t, account, previous, "as_owner", d.Date("effectiveOn"), ct);
                await BecomeHolderAsync(c, tx, t, account, next, "as_owner", ct);
                break;
            case "credentials.lodged.v1":
                var custodian = d.Id("custodianId");
                await Sql.ExecuteAsync(c, tx, """
                    INSERT INTO rm.account_custodians (tenant, account_id, custodian_id, vault_reference, lodged_at, lodged_position)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (tenant, account_id, custodian_id) DO UPDATE SET vault_reference = $4, lodged_at = $5, lodged_position = $6,
                        removed_at = NULL, removed_position = NULL
                    """, ct, t, account, custodian, d.Text("vaultReference"), d.Instant("lodgedAt"), p);
                await BecomeHolderAsync(c, tx, t, account, custodian, "as_custodian", ct);
                await CustodyVersionAsync(c, tx, t, account, v, p, ct);
                break;
            case "credentials.custodian-removed.v1":
                var removed = d.Id("custodianId");
                var removedAt = d.Instant("removedAt");
                await Sql.ExecuteAsync(c, tx, """
                    UPDATE rm.account_custodians SET removed_at = $4, removed_position = $5 WHERE tenant = $1 AND account_id = $2 AND custodian_id = $3
                    """, ct, t, account, removed, removedAt, p);
                await StopHolderAsync(c, tx, t, account, removed, "as_custodian", SchoolDay.Of(removedAt), ct);
                await CustodyVersionAsync(c, tx, t, account, v, p, ct);
                break;
            case "credentials.rotated.v1":
                var rotatedOn = d.Date("rotatedOn");
                await Sql.ExecuteAsync(c, tx, """
                    INSERT INTO rm.credential_rotations (tenant, account_id, rotated_on, reason, position) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (tenant, position) DO NOTHING
                    """, ct, t, account, rotatedOn, d.Text("reason"), p);
                if (d.OptionalText("vaultReference") is { } reference)
                {
                    await Sql.ExecuteAsync(c, tx, "UPDATE rm.account_custodians SET vault_reference = $3 WHERE tenant = $1 AND account_id = $2 AND removed_at IS NULL",
                        ct, t, account, reference);
                }
                // Former owners and custodians no longer know credentials changed on or after they stopped.
                await Sql.ExecuteAsync(c, tx, """
                    DELETE FROM rm.credential_holders
                     WHERE tenant = $1 AND account_id = $2 AND NOT as_owner AND NOT as_custodian AND stopped_on <= $3
                    """, ct, t, account, rotatedOn);
                await CustodyVersionAsync(c, tx, t, account, v, p, ct);
                break;
            case "credentials.accessed.v1":
                await Sql.ExecuteAsync(c, tx, """
                    INSERT INTO rm.credential_accesses (tenant, account_id, custodian_id, accessed_at, position) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (tenant, position) DO NOTHING
                    """, ct, t, account, d.Id("custodianId"), d.Instant("accessedAt"), p);
                await CustodyVersionAsync(c, tx, t, account, v, p, ct);
                break;
            default:
                // A newer event of this family that this code does not know: nothing to record.
                return [];
        }
        return [account];
    }

    static Task UpdateAccountAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, string set, string tenant, Guid account, long version, long position, CancellationToken ct, params object?[] values) =>
        Sql.ExecuteAsync(c, tx, $"UPDATE rm.official_accounts SET {set}, account_version = $3, last_position = $4 WHERE tenant = $1 AND account_id = $2",
            ct, [tenant, account, version, position, .. values]);

    static Task CustodyVersionAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, Guid account, long version, long position, CancellationToken ct) =>
        Sql.ExecuteAsync(c, tx, "UPDATE rm.official_accounts SET custody_version = $3, last_position = $4 WHERE tenant = $1 AND account_id = $2",
            ct, tenant, account, version, position);

    static Task BecomeHolderAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, Guid account, Guid person, string column, CancellationToken ct) =>
        Sql.ExecuteAsync(c, tx, $"""
            INSERT INTO rm.credential_holders (tenant, account_id, person_id, as_owner, as_custodian)
            VALUES ($1, $2, $3, {(column == "as_owner" ? "true, false" : "false, true")})
            ON CONFLICT (tenant, account_id, person_id) DO UPDATE SET {column} = true, stopped_on = NULL
            """, ct, tenant, account, person);

    static Task StopHolderAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, Guid account, Guid person, string column, DateOnly on, CancellationToken ct)
    {
        var other = column == "as_owner" ? "as_custodian" : "as_owner";
        return Sql.ExecuteAsync(c, tx, $"""
            UPDATE rm.credential_holders SET {column} = false, stopped_on = CASE WHEN {other} THEN NULL ELSE $4 END
             WHERE tenant = $1 AND account_id = $2 AND person_id = $3
            """, ct, tenant, account, person, on);
    }

    /// <summary>
    /// A person left or changed role: every live account whose credentials they know (as owner or
    /// custodian, or formerly and not rotated since) now needs a rotation on or after that day.
    /// A former holder changing role does not matter; their leaving does.
    /// </summary>
    static async Task<IReadOnlyCollection<Guid>> TriggerRotationsAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, string tenant, Guid person, bool left, DateOnly on, long position, CancellationToken ct)
    {
        await using var command = await Sql.CommandAsync(c, tx, """
            INSERT INTO rm.credential_rotation_triggers (tenant, account_id, person_id, kind, trigger_on, position)
            SELECT h.tenant, h.account_id, h.person_id,
                   CASE WHEN h.as_owner THEN 'owner' WHEN h.as_custodian THEN 'custodian' ELSE 'former-holder' END
                   || CASE WHEN $3 THEN '-left' ELSE '-role-changed' END,
                   $4, $5
              FROM rm.credential_holders h
              JOIN rm.official_accounts a ON a.tenant = h.tenant AND a.account_id = h.account_id
             WHERE h.tenant = $1 AND h.person_id = $2 AND a.decommissioned_on IS NULL AND ($3 OR h.as_owner OR h.as_custodian)
            ON CONFLICT (tenant, account_id, position) DO NOTHING
            RETURNING account_id
            """, ct, tenant, person, left, on, position);
        var accounts = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            accounts.Add(reader.GetGuid(0));
        }
        return accounts;
    }

    static async Task<List<Guid>> AccountIdsAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, CancellationToken ct)
    {
        await using var command = await Sql.CommandAsync(c, tx, "SELECT account_id FROM rm.official_accounts WHERE tenant = $1", ct, tenant);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    static async Task ReevaluateAsync(NpgsqlConnection c, NpgsqlTransaction tx, string tenant, IReadOnlyCollection<Guid> accountIds, DateOnly today, CancellationToken ct)
    {
        var ids = accountIds.ToArray();
        var accounts = await AccountQueries.AccountsAsync(c, tx, tenant, ids, ct);
        var school = await AccountQueries.SchoolRulesAsync(c, tx, tenant, ct);
        var people = (await FactsQueries.PeopleAsync(c, tx, tenant, null, ct)).ToDictionary(p => p.PersonId);
        var custodians = await AccountQueries.CustodiansAsync(c, tx, tenant, ids, ct);
        var triggers = await AccountQueries.TriggersAsync(c, tx, tenant, ids, ct);
        var rotations = await AccountQueries.RotationsAsync(c, tx, tenant, ids, ct);

        var rows = new List<(AccountFacts Account, string Rule, Verdict Verdict)>();
        foreach (var account in accounts)
        {
            foreach (var (rule, verdict) in OfficialAccountRules.Evaluate(account, school, people,
                [.. custodians[account.AccountId]], [.. triggers[account.AccountId]], [.. rotations[account.AccountId]], today))
            {
                rows.Add((account, rule, verdict));
            }
        }

        var delete = new NpgsqlBatchCommand(ProjectionTarget.Sql(tx, $"DELETE FROM rm.compliance WHERE tenant = $1 AND subject_kind = '{SubjectKind}' AND scope = ANY($2)"));
        delete.Parameters.Add(new NpgsqlParameter { Value = tenant });
        delete.Parameters.Add(new NpgsqlParameter { Value = ids.Select(i => i.ToString("D")).ToArray() });
        List<NpgsqlBatchCommand> batch = [delete];
        var verdicts = rows.Select(r => new VerdictRow(r.Rule, r.Account.AccountId.ToString("D"), SubjectKind, r.Account.OwnerId,
            r.Account.AccountId.ToString("D"), [], r.Verdict)).ToList();
        if (VerdictRows.Insert(tx, tenant, verdicts) is { } insert)
        {
            batch.Add(insert);
        }
        await ReplayBatch.ExecuteAsync(c, tx, batch, ct);
    }

    static NpgsqlParameter NullableId(System.Text.Json.JsonElement d, string name) => new()
    {
        Value = d.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetGuid() : DBNull.Value,
        NpgsqlDbType = NpgsqlDbType.Uuid,
    };
}
