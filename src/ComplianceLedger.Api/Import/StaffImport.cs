using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;

namespace ComplianceLedger.Api.Import;

/// <summary>The staff list: <c>name, email, roles, start_date</c>, each row enrolled by <see cref="EnrolPerson"/>'s decision.</summary>
internal static class StaffImport
{
    public static readonly ImportColumn[] Columns =
    [
        new("name", true, "full name"),
        new("email", true, "email address", "sign-in email"),
        new("roles", true, "role"),
        new("start_date", true, "started on", "start"),
    ];

    public static async Task<IReadOnlyList<PlannedRow>> PlanAsync(ImportRows rows, CancellationToken ct)
    {
        var import = rows.Import;
        var c = rows.Columns;
        // An address already signing someone in at the school names a person it already has.
        var current = await import.PeopleByEmailIndexAsync(rows.Tenant, currentOnly: true, ct);
        var inFile = new Dictionary<string, int>(StringComparer.Ordinal);
        var plan = new List<PlannedRow>();
        foreach (var row in rows.Table.Rows)
        {
            plan.Add(ImportRows.Check(row, () =>
            {
                var name = c.Text(row, "name", 200, "the person's full name");
                var email = c.Email(row, "email");
                var roles = c.Roles(row, "roles");
                var startedOn = c.Date(row, "start_date");
                if (inFile.TryGetValue(email, out var first))
                {
                    throw new RowErrorException(c.Header("email"), $"{email} is also in row {first}: one row per person");
                }
                inFile[email] = row.Number;
                if (rows.AlreadyImported(row))
                {
                    return PlannedRow.Skip(row.Number, $"{name}: already imported from this file: skipped");
                }
                if (current.ContainsKey(import.Emails.Index(email)))
                {
                    return PlannedRow.Skip(row.Number, $"{name} ({email}): already enrolled: skipped");
                }
                // The decision's own checks, on a person not yet enrolled, before anything is sealed.
                EnrolPerson.Decide(new EnrolPerson.Command(Guid.Empty, "", roles, startedOn, SchoolImport.Actor, import.Time.GetUtcNow()),
                    Person.Stream.Initial);
                return new PlannedRow(new RowOutcome(row.Number, RowOutcomeKind.Writes,
                    $"will enrol {name} ({string.Join("; ", roles.Select(ImportColumns.RoleWord))}, from {startedOn:yyyy-MM-dd})"),
                    (context, token) => EnrolAsync(import, context, name, email, roles, startedOn, token));
            }));
        }
        return plan;
    }

    /// <summary>As the API enrols: the address checked and sealed on its path, the name sealed, then the decision.</summary>
    static async Task<Func<CancellationToken, Task<int>>> EnrolAsync(
        SchoolImport import, CommandContext context, string name, string email, IReadOnlyList<Role> roles, DateOnly startedOn, CancellationToken ct)
    {
        var personId = Guid.CreateVersion7(context.Now);
        var sealedEmail = await EnrolPerson.SealEmailAsync(import.DataSource, import.Vault, import.Emails, context.Tenant, personId, email, ct);
        var sealedName = await import.Vault.SealAsync(context.Tenant, personId, name, ct);
        var command = new EnrolPerson.Command(personId, sealedName, roles, startedOn, context.Actor, context.Now, sealedEmail);
        return async token =>
        {
            // A new id's stream is empty: nothing to read before deciding.
            var result = await StreamHandler.HandleAsync(import.Store, context, Person.StreamId(personId), Person.Stream, [],
                s => EnrolPerson.Decide(command, s), token);
            return result.Replayed ? 0 : result.Positions.Count;
        };
    }
}
