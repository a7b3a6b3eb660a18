using Npgsql;

namespace ComplianceLedger.Projections.ReadModels;

/// <summary>Loads official-account facts from the read model, on the append transaction or a data source's connection.</summary>
public static class AccountQueries
{
    const string AccountColumns = """
        account_id, platform, handle, owner_id, owner_position, email_domain, (registered_at AT TIME ZONE 'UTC')::date, registered_position,
        risk_reference, risk_assessed_on, risk_position, (approved_at AT TIME ZONE 'UTC')::date, approval_position, url_notified_on, url_position,
        pupil_access_on, pupil_access_position, first_used_on, live_position, aup_checked_on, aup_linked, aup_position, suspended_on, decommissioned_on
        """;

    public static Task<List<AccountFacts>> AccountsAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string tenant, Guid[] accountIds, CancellationToken ct) =>
        Sql.ListAsync(c, tx, $"SELECT {AccountColumns} FROM rm.official_accounts WHERE tenant = $1 AND account_id = ANY($2) ORDER BY account_id",
            ReadAccount, ct, tenant, accountIds);

    public static async Task<SchoolAccountRules> SchoolRulesAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string tenant, CancellationToken ct) =>
        (await Sql.ListAsync(c, tx, "SELECT email_domains, handle_tag, last_position FROM rm.schools WHERE tenant = $1",
            r => new SchoolAccountRules(r.GetFieldValue<string[]>(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetInt64(2)), ct, tenant))
        .SingleOrDefault() ?? new SchoolAccountRules([], null, 0);

    /// <summary>Current (not removed) custodians, by account.</summary>
    public static async Task<ILookup<Guid, CustodianFacts>> CustodiansAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string tenant, Guid[] accountIds, CancellationToken ct) =>
        (await Sql.ListAsync(c, tx, """
            SELECT account_id, custodian_id, vault_reference, lodged_position FROM rm.account_custodians
             WHERE tenant = $1 AND account_id = ANY($2) AND removed_at IS NULL ORDER BY lodged_position
            """, r => (Account: r.GetGuid(0), Facts: new CustodianFacts(r.GetGuid(1), r.GetString(2), r.GetInt64(3))), ct, tenant, accountIds))
        .ToLookup(x => x.Account, x => x.Facts);

    public static async Task<ILookup<Guid, RotationTriggerFacts>> TriggersAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string tenant, Guid[] accountIds, CancellationToken ct) =>
        (await Sql.ListAsync(c, tx, """
            SELECT account_id, person_id, kind, trigger_on, position FROM rm.credential_rotation_triggers
             WHERE tenant = $1 AND account_id = ANY($2) ORDER BY position
            """, r => (Account: r.GetGuid(0), Facts: new RotationTriggerFacts(r.GetGuid(1), r.GetString(2), r.GetFieldValue<DateOnly>(3), r.GetInt64(4))),
            ct, tenant, accountIds))
        .ToLookup(x => x.Account, x => x.Facts);

    public static async Task<ILookup<Guid, RotationFacts>> RotationsAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string tenant, Guid[] accountIds, CancellationToken ct) =>
        (await Sql.ListAsync(c, tx, """
            SELECT account_id, rotated_on, reason, position FROM rm.credential_rotations
             WHERE tenant = $1 AND account_id = ANY($2) ORDER BY position
            """, r => (Account: r.GetGuid(0), Facts: new RotationFacts(r.GetFieldValue<DateOnly>(1), r.GetString(2), r.GetInt64(3))), ct, tenant, accountIds))
        .ToLookup(x => x.Account, x => x.Facts);

    static AccountFacts ReadAccount(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetGuid(3), r.GetInt64(4), r.GetString(5), r.GetFieldValue<DateOnly>(6), r.GetInt64(7),
        r.IsDBNull(8) ? null : r.GetString(8), Date(r, 9), Long(r, 10), Date(r, 11), Long(r, 12), Date(r, 13), Long(r, 14),
        Date(r, 15), Long(r, 16), Date(r, 17), Long(r, 18), Date(r, 19), r.IsDBNull(20) ? null : r.GetBoolean(20), Long(r, 21),
        Date(r, 22), Date(r, 23));

    static DateOnly? Date(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateOnly>(i);

    static long? Long(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
}
