using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;

namespace ComplianceLedger.Api.Import;

/// <summary>
/// The register of declared relationships: <c>person</c> (who declared, by email), <c>kind</c>,
/// <c>description</c>, <c>on entry of</c> (pupil or staff) and <c>entered on</c>, each declared by
/// <see cref="DeclareRelationship"/>'s decision; with <c>dsl</c> (the DSL's email) and
/// <c>dsl advice</c>, the advice is then recorded by <see cref="RecordDslAdvice"/>'s. The head's
/// past decisions are not imported: an approval runs to a date after the day it is decided, so
/// the head decides each imported declaration afresh in the queue.
/// </summary>
internal static class DeclarationImport
{
    public static readonly ImportColumn[] Columns =
    [
        new("person", true, "email", "declared by"),
        new("kind", true, "relationship"),
        new("description", true, "details"),
        new("on entry of", true, "entry of"),
        new("entered on", true, "entry date", "date"),
        new("dsl", false, "dsl email"),
        new("dsl advice", false, "advice"),
    ];

    static readonly Dictionary<string, RelationshipKind> Kinds = new(StringComparer.Ordinal)
    {
        [ImportColumns.Key("pupil family")] = RelationshipKind.PupilFamily,
        [ImportColumns.Key("family link with a pupil")] = RelationshipKind.PupilFamily,
        [ImportColumns.Key("family")] = RelationshipKind.PupilFamily,
        [ImportColumns.Key("parent friend")] = RelationshipKind.ParentFriend,
        [ImportColumns.Key("friend of a parent")] = RelationshipKind.ParentFriend,
        [ImportColumns.Key("friendship with a parent")] = RelationshipKind.ParentFriend,
        [ImportColumns.Key("ex-pupil under 18")] = RelationshipKind.ExPupilUnder18,
        [ImportColumns.Key("former pupil under 18")] = RelationshipKind.ExPupilUnder18,
        [ImportColumns.Key("other")] = RelationshipKind.Other,
    };

    static readonly Dictionary<string, EntryOf> Entries = new(StringComparer.Ordinal)
    {
        [ImportColumns.Key("pupil")] = EntryOf.Pupil,
        [ImportColumns.Key("staff")] = EntryOf.Staff,
    };

    public static async Task<IReadOnlyList<PlannedRow>> PlanAsync(ImportRows rows, CancellationToken ct)
    {
        var import = rows.Import;
        var c = rows.Columns;
        var people = await import.PeopleByEmailIndexAsync(rows.Tenant, currentOnly: false, ct);
        var plan = new List<PlannedRow>();
        foreach (var row in rows.Table.Rows)
        {
            plan.Add(await ImportRows.CheckAsync(row, async () =>
            {
                var email = c.Email(row, "person");
                var kind = c.Choice(row, "kind", Kinds, "expected pupil family, parent friend, ex-pupil under 18 or other");
                var description = c.Text(row, "description", 2000, "what the relationship is");
                var onEntryOf = c.Choice(row, "on entry of", Entries, "expected pupil or staff");
                var enteredOn = c.Date(row, "entered on");
                var advice = c.OptionalText(row, "dsl advice", 2000, "the DSL's advice");
                var dslEmail = c.Has("dsl") && !c.Cell(row, "dsl").IsBlank ? c.Email(row, "dsl") : null;
                if ((advice is null) != (dslEmail is null))
                {
                    throw new RowErrorException(c.Header(advice is null ? "dsl advice" : "dsl"), "the DSL's advice needs both the DSL's email and the advice");
                }
                var holderId = await Current(rows, people, email, "person", ct);
                Guid? dslId = null;
                if (dslEmail is not null)
                {
                    var (id, dsl) = await PersonAsync(rows, people, dslEmail, "dsl", ct);
                    if (!dsl.Roles.Contains(Role.Dsl))
                    {
                        throw new RowErrorException(c.Header("dsl"), $"{dslEmail} is not a designated safeguarding lead at this school");
                    }
                    dslId = id;
                }
                if (rows.AlreadyImported(row))
                {
                    return PlannedRow.Skip(row.Number, $"{email}'s declaration: already imported from this file: skipped");
                }
                var now = import.Time.GetUtcNow();
                // The decisions' own checks on a new declaration (and its advice), before anything is sealed.
                var probe = new DeclareRelationship.Command(Guid.Empty, holderId, kind, "", onEntryOf, enteredOn, SchoolImport.Actor, now);
                var declared = DeclareRelationship.Decide(probe, ExceptionCase.Declarations.Initial);
                if (dslId is { } dslPerson)
                {
                    RecordDslAdvice.Decide(new RecordDslAdvice.Command(Guid.Empty, dslPerson, "", SchoolImport.Actor, now),
                        declared.Aggregate(ExceptionCase.Declarations.Initial, ExceptionCase.Evolve));
                }
                return new PlannedRow(new RowOutcome(row.Number, RowOutcomeKind.Writes,
                    $"will declare {email}'s relationship ({ExceptionCase.Name(kind)}, on entry of {ExceptionCase.Name(onEntryOf)} {enteredOn:yyyy-MM-dd})"
                    + (dslId is null ? "" : $" with {dslEmail}'s advice")),
                    (context, token) => DeclareAsync(rows, context, holderId, kind, description, onEntryOf, enteredOn, dslId, advice, token));
            }));
        }
        return plan;
    }

    static async Task<Guid> Current(ImportRows rows, Dictionary<string, Guid> people, string email, string column, CancellationToken ct) =>
        (await PersonAsync(rows, people, email, column, ct)).Id;

    /// <summary>The current person who signs in with the address, or the row's error naming the column.</summary>
    internal static async Task<(Guid Id, Person Person)> PersonAsync(
        ImportRows rows, Dictionary<string, Guid> people, string email, string column, CancellationToken ct)
    {
        if (!people.TryGetValue(rows.Import.Emails.Index(email), out var id))
        {
            throw new RowErrorException(rows.Columns.Header(column), $"no one at this school signs in with {email}: import the staff list first");
        }
        var (person, _) = await StreamHandler.LoadAsync(rows.Import.Store, rows.Tenant, Person.StreamId(id), Person.Stream, ct);
        try
        {
            person.MustBeCurrent();
        }
        catch (CommandRefusedException e)
        {
            throw new RowErrorException(rows.Columns.Header(column), $"{email}: {e.Message}");
        }
        return (id, person);
    }

    /// <summary>Seals the description (and the advice) with the holder's key; the append then declares, and records the advice.</summary>
    static async Task<Func<CancellationToken, Task<int>>> DeclareAsync(
        ImportRows rows, CommandContext context, Guid holderId, RelationshipKind kind, string description, EntryOf onEntryOf, DateOnly enteredOn,
        Guid? dslId, string? advice, CancellationToken ct)
    {
        var (store, vault) = (rows.Import.Store, rows.Import.Vault);
        var id = Guid.CreateVersion7(context.Now);
        var streamId = ExceptionCase.DeclarationStreamId(id);
        var command = new DeclareRelationship.Command(id, holderId, kind, await vault.SealAsync(context.Tenant, holderId, description, ct), onEntryOf,
            enteredOn, context.Actor, context.Now);
        var sealedAdvice = advice is null ? null : await vault.SealAsync(context.Tenant, holderId, advice, ct);
        return async token =>
        {
            var declared = await StreamHandler.HandleAsync(store, context, streamId, ExceptionCase.Declarations, [],
                s => DeclareRelationship.Decide(command, s), token);
            var events = declared.Replayed ? 0 : declared.Positions.Count;
            if (dslId is { } dsl && sealedAdvice is not null)
            {
                // The advice is the row's second command, on the stream the first one wrote (a retry's, if it was replayed).
                var adviceContext = context with { CommandId = context.CommandId + ":dsl-advice" };
                // The advice is the DSL's: the record names them, as when they record it themselves.
                var recorded = new RecordDslAdvice.Command(ExceptionCase.IdOf(declared.StreamId), dsl, sealedAdvice, $"person:{dsl:D}", context.Now);
                var result = await StreamHandler.HandleAsync(store, adviceContext, declared.StreamId, ExceptionCase.Declarations,
                    s => RecordDslAdvice.Decide(recorded, s), token);
                events += result.Replayed ? 0 : result.Positions.Count;
            }
            return events;
        };
    }
}
