using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.People;

/// <summary>A person's roles change (a teacher joins SLT, a volunteer becomes a governor).</summary>
public static class ChangeRoles
{
    public sealed record Request(IReadOnlyList<Role>? Roles, DateOnly? EffectiveOn);

    public sealed record Command(Guid PersonId, IReadOnlyList<Role> Roles, DateOnly EffectiveOn, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, Person state)
    {
        state.MustBeCurrent();
        EnrolPerson.CheckRoles(c.Roles);
        if (state.Roles.ToHashSet().SetEquals(c.Roles))
        {
            throw CommandRefusedException.Conflict("The person already holds exactly these roles.");
        }
        return [new PersonRolesChanged(c.PersonId, [.. c.Roles.Distinct()], c.EffectiveOn, c.By, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid personId, Request body, CommandContext context, LedgerStore store, Scheduling.ScheduledWork work, Npgsql.NpgsqlDataSource dataSource,
        HttpResponse response, CancellationToken ct)
    {
        if (body.Roles is null || body.EffectiveOn is null)
        {
            throw CommandRefusedException.Invalid("roles and effectiveOn are required.");
        }
        var command = new Command(personId, body.Roles, body.EffectiveOn.Value, context.Actor, context.Now);
        // A role that must acknowledge starts its clock on the day: the reminders start again from then.
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Person.StreamId(personId), Person.Stream, s => Decide(command, s),
            async (session, _) =>
            {
                await Notices.AcknowledgementReminders.OnPersonChangedAsync(session, work, dataSource, context.Tenant, personId, command.EffectiveOn, context.Now);
                await Notices.CredentialRotationReminders.OnHolderChangedAsync(session, work, dataSource, context.Tenant, personId, left: false, command.EffectiveOn, context.Now);
            }, ct));
    }
}
