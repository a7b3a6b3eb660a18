using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.Projections.ReadModels;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>
/// The register of official accounts: each account's state, owner, custodians, last rotation and
/// the rules it currently falls short of (flags), with names and the registration email opened.
/// </summary>
public static class AccountRegister
{
    public sealed record PersonView(Guid PersonId, string Name);

    /// <summary>A custodian counts for the custody rule only while at the school and in leadership.</summary>
    public sealed record CustodianView(Guid PersonId, string Name, string VaultReference, DateTimeOffset LodgedAt, bool CurrentLeadership);

    public sealed record RotationView(DateOnly RotatedOn, string Reason);

    public sealed record FlagView(string Rule, string Status, DateOnly? DueOn, string Detail, IReadOnlyList<long> Proof);

    public sealed record AccountView(
        Guid AccountId,
        string Platform,
        string Handle,
        string Url,
        string Purpose,
        string IntendedOutcomes,
        string State,
        PersonView Owner,
        string RegistrationEmail,
        string RegistrationEmailDomain,
        DateTimeOffset RegisteredAt,
        string? RiskAssessmentReference,
        DateOnly? RiskAssessedOn,
        DateTimeOffset? ApprovedAt,
        string? ApprovedBy,
        string? ApprovedAs,
        DateOnly? UrlNotifiedOn,
        DateOnly? PupilAccessOn,
        DateOnly? FirstUsedOn,
        DateOnly? AupCheckedOn,
        bool? LinksToAup,
        DateOnly? SuspendedOn,
        DateOnly? DecommissionedOn,
        IReadOnlyList<CustodianView> Custodians,
        RotationView? LastRotation,
        DateTimeOffset? LastBreakGlassAccessAt,
        int SharingReports,
        IReadOnlyList<FlagView> Flags,
        long AccountVersion,
        long CustodyVersion);

    public static async Task<Ok<Listing<AccountView>>> List(
        string urn, ReadModelReader readModels, PersonalDataVault vault, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        return TypedResults.Ok(new Listing<AccountView>(scope.AsOf, await LoadAsync(scope, vault, urn, null, ct)));
    }

    public static async Task<Results<Ok<Entry<AccountView>>, ProblemHttpResult>> One(
        string urn, Guid accountId, ReadModelReader readModels, PersonalDataVault vault, HttpResponse response, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        var found = await LoadAsync(scope, vault, urn, accountId, ct);
        if (found.Count == 0)
        {
            return TypedResults.Problem("No such official account at this school.", title: "Not found", statusCode: StatusCodes.Status404NotFound);
        }
        if (scope.AsOf.Live)
        {
            // The ETag is the account stream's version, for If-Match on the account's commands (never a past version).
            response.Headers.ETag = StreamVersionTag.Quote(found[0].AccountVersion);
        }
        return TypedResults.Ok(new Entry<AccountView>(scope.AsOf, found[0]));
    }

    public static async Task<IReadOnlyList<AccountView>> LoadAsync(ReadScope scope, PersonalDataVault vault, string urn, Guid? accountId, CancellationToken ct)
    {
        var on = scope.On;
        await using var batch = scope.Batch(
            Command("""
            SELECT a.account_id, a.platform, a.handle, a.url, a.purpose, a.intended_outcomes, a.owner_id, o.sealed_name, a.sealed_email,
                   a.email_domain, a.registered_at, a.risk_reference, a.risk_assessed_on, a.approved_at, a.approved_by, a.approved_as,
                   a.url_notified_on, a.pupil_access_on, a.first_used_on, a.aup_checked_on, a.aup_linked, a.suspended_on, a.decommissioned_on,
                   a.account_version, a.custody_version, r.rotated_on, r.reason,
                   (SELECT max(x.accessed_at) FROM rm.credential_accesses x WHERE x.tenant = a.tenant AND x.account_id = a.account_id),
                   (SELECT count(*) FROM rm.credential_sharing_reports s WHERE s.tenant = a.tenant AND s.account_id = a.account_id)::int
              FROM rm.official_accounts a
              LEFT JOIN rm.people o ON o.tenant = a.tenant AND o.person_id = a.owner_id
              LEFT JOIN LATERAL (SELECT rotated_on, reason FROM rm.credential_rotations r
                                  WHERE r.tenant = a.tenant AND r.account_id = a.account_id
                                  ORDER BY r.rotated_on DESC, r.position DESC LIMIT 1) r ON true
             WHERE a.tenant = $1 AND $2::date IS NOT NULL AND ($3::uuid IS NULL OR a.account_id = $3)
             ORDER BY a.registered_position
            """, urn, on, accountId),
            Command("""
            SELECT c.account_id, c.custodian_id, p.sealed_name, c.vault_reference, c.lodged_at,
                   COALESCE(p.person_id IS NOT NULL AND (p.left_on IS NULL OR p.left_on > $2)
                            AND p.roles && ARRAY['headteacher', 'dsl', 'slt']::text[], false)
              FROM rm.account_custodians c
              LEFT JOIN rm.people p ON p.tenant = c.tenant AND p.person_id = c.custodian_id
             WHERE c.tenant = $1 AND c.removed_at IS NULL AND ($3::uuid IS NULL OR c.account_id = $3)
             ORDER BY c.lodged_position
            """, urn, on, accountId),
            Command($"""
            SELECT c.scope, c.rule, {SchoolCompliance.StatusOn} AS s, c.due_on, c.detail, c.proof
              FROM rm.compliance c
             WHERE c.tenant = $1 AND c.subject_kind = '{OfficialAccountsProjection.SubjectKind}' AND ($3::uuid IS NULL OR c.scope = $3::text)
             ORDER BY c.rule
            """, urn, on, accountId));
        await using var reader = await batch.ExecuteReaderAsync(ct);

        var accounts = new List<(AccountView View, string? SealedOwner, string SealedEmail)>();
        while (await reader.ReadAsync(ct))
        {
            var view = new AccountView(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                "", new PersonView(reader.GetGuid(6), ""), "", reader.GetString(9), reader.GetFieldValue<DateTimeOffset>(10),
                Text(reader, 11), Date(reader, 12), reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13), Text(reader, 14), Text(reader, 15),
                Date(reader, 16), Date(reader, 17), Date(reader, 18), Date(reader, 19), reader.IsDBNull(20) ? null : reader.GetBoolean(20),
                Date(reader, 21), Date(reader, 22), [], reader.IsDBNull(25) ? null : new RotationView(reader.GetFieldValue<DateOnly>(25), reader.GetString(26)),
                reader.IsDBNull(27) ? null : reader.GetFieldValue<DateTimeOffset>(27), reader.GetInt32(28), [], reader.GetInt64(23), reader.GetInt64(24));
            accounts.Add((view with { State = StateOf(view) }, Text(reader, 7), reader.GetString(8)));
        }
        await reader.NextResultAsync(ct);
        var custodians = new List<(Guid Account, CustodianView View, string? Sealed)>();
        // The vault reference is sealed (or plain, in events recorded before references were sealed): opened below.
        while (await reader.ReadAsync(ct))
        {
            custodians.Add((reader.GetGuid(0), new CustodianView(reader.GetGuid(1), "", reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetBoolean(5)), Text(reader, 2)));
        }
        await reader.NextResultAsync(ct);
        var flags = new List<(string Account, FlagView View)>();
        while (await reader.ReadAsync(ct))
        {
            var status = reader.GetString(2);
            if (status != "ok")
            {
                flags.Add((reader.GetString(0), new FlagView(reader.GetString(1), status, Date(reader, 3), reader.GetString(4), reader.GetFieldValue<long[]>(5))));
            }
        }

        var opened = await vault.OpenAsync(urn, accounts.SelectMany(a => new[] { a.SealedOwner, a.SealedEmail })
            .Concat(custodians.Select(c => c.Sealed))
            .Concat(custodians.Select(c => c.View.VaultReference).Where(PersonalDataVault.IsSealed)).OfType<string>(), ct);
        var erased = await Retention.ErasedWords.ForAsync(vault, urn, opened.Where(o => o.Value is null).Select(o => o.Key), ct);
        string Open(string? sealedValue) => sealedValue is not null && opened.GetValueOrDefault(sealedValue) is { } text
            ? text
            : sealedValue is not null && erased.TryGetValue(sealedValue, out var words) ? words : ListPeople.Erased;

        return [.. accounts.Select(a => a.View with
        {
            Owner = a.View.Owner with { Name = Open(a.SealedOwner) },
            RegistrationEmail = Open(a.SealedEmail),
            Custodians = [.. custodians.Where(c => c.Account == a.View.AccountId)
                .Select(c => c.View with { Name = Open(c.Sealed), VaultReference = Credentials.VaultReference.Shown(c.View.VaultReference, opened) })],
            Flags = [.. flags.Where(f => f.Account == a.View.AccountId.ToString("D")).Select(f => f.View)],
        })];
    }

    static string StateOf(AccountView a) =>
        a.DecommissionedOn is not null ? "decommissioned"
        : a.SuspendedOn is not null ? "suspended"
        : a.FirstUsedOn is not null ? "live"
        : a.ApprovedAt is not null ? "approved"
        : "awaiting-approval";

    static NpgsqlBatchCommand Command(string sql, string urn, DateOnly on, Guid? accountId)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = on });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)accountId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        return command;
    }

    static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    static DateOnly? Date(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateOnly>(i);
}
