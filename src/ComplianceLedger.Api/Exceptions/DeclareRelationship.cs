using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The signed-in person declares a pre-existing relationship (a relative in Year 4, a friend who is
/// a parent…), on the entry of the pupil or of themselves. The description is sealed with their key.
/// </summary>
public static class DeclareRelationship
{
    public sealed record Request(RelationshipKind? Kind, string? Description, EntryOf? OnEntryOf, DateOnly? EnteredOn);

    public sealed record Command(
        Guid DeclarationId, Guid PersonId, RelationshipKind Kind, string SealedDescription, EntryOf OnEntryOf, DateOnly EnteredOn,
        string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, ExceptionCase state)
    {
        if (state.Status != CaseStatus.None)
        {
            throw CommandRefusedException.Conflict("This relationship is already declared.");
        }
        // Declared on entry: a pupil may be known to be joining next year, but not further ahead.
        if (c.EnteredOn > SchoolDay.Of(c.Now).AddYears(1))
        {
            throw CommandRefusedException.Invalid("enteredOn cannot be more than a year ahead.");
        }
        return [new RelationshipDeclared(c.DeclarationId, c.PersonId, c.Kind, c.SealedDescription, c.OnEntryOf, c.EnteredOn, c.By, c.Now)];
    }

    public static async Task<Created<CommandResult>> Handle(
        Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, Scheduling.ScheduledWork work, HttpResponse response,
        CancellationToken ct)
    {
        if (body.Kind is not { } kind || body.OnEntryOf is not { } onEntryOf || body.EnteredOn is not { } enteredOn)
        {
            throw CommandRefusedException.Invalid("kind, description, onEntryOf (pupil or staff) and enteredOn are required.");
        }
        var description = ExceptionCase.Text(body.Description, "description");
        var personId = context.Person;
        var id = Guid.CreateVersion7(context.Now);
        var command = new Command(id, personId, kind, await vault.SealAsync(context.Tenant, personId, description, ct), onEntryOf, enteredOn,
            context.Actor, context.Now);
        var result = await StreamHandler.HandleAsync(store, context, ExceptionCase.DeclarationStreamId(id), ExceptionCase.Declarations,
            s => Decide(command, s), (session, _) => Notices.AwaitingReminders.OnWaitingAsync(session, work, context.Tenant, id, context.Now), ct);
        return Responses.Created(response, $"/api/schools/{context.Tenant}/exceptions/{ExceptionCase.IdOf(result.StreamId)}", result);
    }
}
