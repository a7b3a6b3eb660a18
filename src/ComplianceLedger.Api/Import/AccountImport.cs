using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.Projections.ReadModels;
using ComplianceLedger.Projections.Rules;
using Npgsql;

namespace ComplianceLedger.Api.Import;

/// <summary>
/// The register of official accounts: <c>platform</c>, <c>handle</c>, <c>url</c>, <c>purpose</c>,
/// <c>intended outcomes</c>, <c>owner</c> (their email) and <c>registration email</c>, each
/// registered by <see cref="RegisterAccount"/>'s decision (a personal address or a handle without
/// the school's tag is recorded and flagged, as the API records it).
/// </summary>
internal static class AccountImport
{
    public static readonly ImportColumn[] Columns =
    [
        new("platform", true),
        new("handle", true, "account"),
        new("url", true, "address", "link"),
        new("purpose", true),
        new("intended outcomes", true, "outcomes"),
        new("owner", true, "owner email"),
        new("registration email", true, "registered with", "account email"),
    ];

    static readonly Dictionary<string, Platform> Platforms = BuildPlatforms();

    static Dictionary<string, Platform> BuildPlatforms()
    {
        var platforms = Enum.GetValues<Platform>().ToDictionary(p => ImportColumns.Key(p.ToString()), p => p, StringComparer.Ordinal);
        platforms[ImportColumns.Key("twitter")] = Platform.X;
        platforms[ImportColumns.Key("you tube")] = Platform.Youtube;
        platforms[ImportColumns.Key("tik tok")] = Platform.Tiktok;
        platforms[ImportColumns.Key("linked in")] = Platform.Linkedin;
        return platforms;
    }

    public static async Task<IReadOnlyList<PlannedRow>> PlanAsync(ImportRows rows, CancellationToken ct)
    {
        var import = rows.Import;
        var c = rows.Columns;
        var people = await import.PeopleByEmailIndexAsync(rows.Tenant, currentOnly: false, ct);
        var registered = await RegisteredAsync(import.DataSource, rows.Tenant, ct);
        var inFile = new Dictionary<(Platform, string), int>();
        var plan = new List<PlannedRow>();
        foreach (var row in rows.Table.Rows)
        {
            plan.Add(await ImportRows.CheckAsync(row, async () =>
            {
                var platform = c.Choice(row, "platform", Platforms,
                    $"expected one of {string.Join(", ", Enum.GetValues<Platform>().Select(p => AuditLines.PlatformName(RegisterAccount.PlatformName(p))))}");
                var handle = rows.Field("handle", () => AccountInput.Handle(c.Cell(row, "handle").Text));
                var url = rows.Field("url", () => AccountInput.Url(c.Cell(row, "url").Text, c.Header("url")));
                var purpose = rows.Field("purpose", () => AccountInput.Text(c.Cell(row, "purpose").Text, c.Header("purpose"), 1000));
                var outcomes = rows.Field("intended outcomes",
                    () => AccountInput.Text(c.Cell(row, "intended outcomes").Text, c.Header("intended outcomes"), 1000));
                var ownerEmail = c.Email(row, "owner");
                var email = rows.Field("registration email",
                    () => AccountInput.Text(c.Cell(row, "registration email").Text, c.Header("registration email"), 254));
                var domain = rows.Field("registration email", () => AccountInput.EmailDomain(email));
                if (AccountHandles.UrlMismatch(RegisterAccount.PlatformName(platform), handle, url) is { } mismatch)
                {
                    throw new RowErrorException(c.Header("url"), mismatch);
                }
                var key = (platform, AccountHandles.Key(handle));
                if (inFile.TryGetValue(key, out var first))
                {
                    throw new RowErrorException(c.Header("handle"), $"{handle} on the same platform is also in row {first}: one row per account");
                }
                inFile[key] = row.Number;
                var (ownerId, owner) = await DeclarationImport.PersonAsync(rows, people, ownerEmail, "owner", ct);
                if (rows.AlreadyImported(row))
                {
                    return PlannedRow.Skip(row.Number, $"{handle}: already imported from this file: skipped");
                }
                if (registered.Contains((RegisterAccount.PlatformName(platform), key.Item2)))
                {
                    return PlannedRow.Skip(row.Number, $"{handle} on {AuditLines.PlatformName(RegisterAccount.PlatformName(platform))}: already on the register: skipped");
                }
                var now = import.Time.GetUtcNow();
                RegisterAccount.Command Command(Guid id, string sealedEmail, CommandContext? context) =>
                    new(id, platform, handle, url, purpose, outcomes, ownerId, sealedEmail, domain, context?.Actor ?? SchoolImport.Actor, context?.Now ?? now);
                RegisterAccount.Decide(Command(Guid.Empty, "", null), rows.School, owner, null, Account.Stream.Initial);
                return new PlannedRow(new RowOutcome(row.Number, RowOutcomeKind.Writes,
                    $"will register {handle} on {AuditLines.PlatformName(RegisterAccount.PlatformName(platform))}, owned by {ownerEmail}"),
                    async (context, token) =>
                    {
                        var accountId = Guid.CreateVersion7(context.Now);
                        var command = Command(accountId, await import.Vault.SealAsync(context.Tenant, ownerId, email, token), context);
                        return async appending =>
                        {
                            var result = await StreamHandler.HandleAsync(import.Store, context, Account.StreamId(accountId), Account.Stream, [],
                                s => RegisterAccount.Decide(command, rows.School, owner, null, s), appending);
                            return result.Replayed ? 0 : result.Positions.Count;
                        };
                    });
            }));
        }
        return plan;
    }

    /// <summary>The live register's (platform, handle key) pairs, as <see cref="RegisterAccount"/> looks for the same account.</summary>
    static async Task<HashSet<(string, string)>> RegisteredAsync(NpgsqlDataSource dataSource, string tenant, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT platform, handle_key FROM rm.official_accounts WHERE tenant = $1 AND decommissioned_on IS NULL");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        var found = new HashSet<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add((reader.GetString(0), reader.GetString(1)));
        }
        return found;
    }
}
