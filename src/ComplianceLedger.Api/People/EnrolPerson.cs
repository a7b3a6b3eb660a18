using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.People;

/// <summary>Enrols a member of staff, governor, volunteer or contractor. Their name is sealed with their own key.</summary>
public static class EnrolPerson
{
    public sealed record Request(string? Name, IReadOnlyList<Role>? Roles, DateOnly? StartedOn);

    public sealed record Command(Guid PersonId, string SealedName, IReadOnlyList<Role> Roles, DateOnly StartedOn, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, Person state)
    {
        if (state.Enrolled)
        {
            throw CommandRefusedException.Conflict("This person is already enrolled.");
        }
        CheckRoles(c.Roles);
        return [new PersonEnrolled(c.PersonId, c.SealedName, [.. c.Roles.Distinct()], c.StartedOn, c.By, c.Now)];
    }

    public static void CheckRoles(IReadOnlyList<Role> roles)
    {
        if (roles.Count == 0)
        {
            throw CommandRefusedException.Invalid("A person needs at least one role.");
        }
    }

    public static async Task<Created<CommandResult>> Handle(
        Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 200 || body.Roles is null || body.StartedOn is null)
        {
            throw CommandRefusedException.Invalid("name (up to 200 characters), roles and startedOn are required.");
        }
        var personId = Guid.CreateVersion7(context.Now);
        // A retry is answered before sealing: sealing would make a key for an id never enrolled.
        var result = StreamHandler.RetryResult(context, Person.StreamId(personId));
        if (result is null)
        {
            var sealedName = await vault.SealAsync(context.Tenant, personId, body.Name.Trim(), ct);
            var command = new Command(personId, sealedName, body.Roles, body.StartedOn.Value, context.Actor, context.Now);
            result = await StreamHandler.HandleAsync(store, context, Person.StreamId(personId), Person.Stream, s => Decide(command, s), ct);
        }
        // A retry returns the person the first attempt enrolled, not the id this attempt drew.
        return Responses.Created(response, $"/api/schools/{context.Tenant}/people/{result.StreamId["person-".Length..]}", result);
    }
}
