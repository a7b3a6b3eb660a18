using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Import;

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
                    $"will enrol {name} ({string.Join("; ", roles.Select(ImportColumns.RoleWord))}, from {startedOn:yyyy-MM-dd})"))
                {
                    Staff = new StaffRow(name, email, roles, startedOn),
                };
            }));
        }
        return plan;
    }

    /// <summary>
    /// Writes the rows in one bulk append (docs/decisions.md, "A staff import is one bulk append"):
    /// the addresses checked again against the school's people, every name and address sealed in one
    /// round trip, each row decided by <see cref="EnrolPerson.Decide"/> as the API decides it, then
    /// one transaction appends them all and brings the inline read models up to date before it
    /// commits. Any failure writes nothing.
    /// </summary>
    public static async Task<(int Rows, int Events, IReadOnlyList<(Guid PersonId, DateOnly StartedOn)> People)> WriteAsync(
        SchoolImport import, ImportPreview preview, IReadOnlyList<PlannedRow> writes, Action<int, int>? progress, CancellationToken ct)
    {
        var tenant = preview.Tenant;
        var now = import.Time.GetUtcNow();
        progress?.Invoke(0, writes.Count);
        // The plan found these addresses free; someone may have been enrolled with one since.
        var current = await import.PeopleByEmailIndexAsync(tenant, currentOnly: true, ct);
        var people = new List<(PlannedRow Row, Guid PersonId, string Index)>(writes.Count);
        foreach (var row in writes)
        {
            var index = import.Emails.Index(row.Staff!.Email);
            if (current.ContainsKey(index))
            {
                throw new ImportRowRefusedException(row.Outcome.Row, 0, "Another person at this school already signs in with that email.");
            }
            people.Add((row, Guid.CreateVersion7(now), index));
        }
        var sealedValues = await import.Vault.SealManyAsync(tenant,
            [.. people.SelectMany(p => new[] { (p.PersonId, p.Row.Staff!.Name), (p.PersonId, SignIn.SignInEmails.Normalise(p.Row.Staff!.Email)) })], ct);

        var events = new List<ImportEvent>(writes.Count * 2);
        var rowsByEvents = new List<int>(writes.Count * 2);
        for (var i = 0; i < people.Count; i++)
        {
            var (row, personId, index) = people[i];
            var staff = row.Staff!;
            var command = new EnrolPerson.Command(personId, sealedValues[2 * i], staff.Roles, staff.StartedOn, SchoolImport.Actor, now,
                new EnrolPerson.SealedEmail(sealedValues[2 * i + 1], index));
            IReadOnlyList<object> decided;
            try
            {
                // A new id's stream is empty: the decision runs on the initial state, as the API's does.
                decided = EnrolPerson.Decide(command, Person.Stream.Initial);
            }
            catch (CommandRefusedException e)
            {
                throw new ImportRowRefusedException(row.Outcome.Row, 0, e.Message);
            }
            // One metadata per row: the importer checks each instance once.
            var metadata = SchoolImport.MetadataOf(preview, row.Outcome.Row);
            foreach (var e in decided)
            {
                events.Add(new ImportEvent(Person.StreamId(personId), Person.Stream.StreamType, EventTypes.ToNewEvent(e), metadata, now));
                rowsByEvents.Add(i + 1);
            }
        }
        var importer = new BulkImporter(import.DataSource) { BeforeCommit = import.ProjectInlineAsync };
        try
        {
            await importer.ImportAsync(tenant, events, n => progress?.Invoke(n == 0 ? 0 : rowsByEvents[(int)n - 1], writes.Count), ct);
        }
        catch (CommandIdReusedException)
        {
            throw new ImportRowRefusedException(writes[0].Outcome.Row, 0, "the same file was imported meanwhile; import it again to see what is there");
        }
        return (writes.Count, events.Count, [.. people.Select(p => (p.PersonId, p.Row.Staff!.StartedOn))]);
    }
}

/// <summary>A staff row as checked: what its enrolment needs.</summary>
internal sealed record StaffRow(string Name, string Email, IReadOnlyList<Role> Roles, DateOnly StartedOn);
