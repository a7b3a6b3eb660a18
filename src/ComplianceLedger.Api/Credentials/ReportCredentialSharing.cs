using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Credentials;

/// <summary>
/// Records a reported breach: a work login shared outside custody (by email, a messaging app, on
/// paper…). Leadership records it, naming who reported it and, where known, who shared it.
/// </summary>
public static class ReportCredentialSharing
{
    public sealed record Request(
        Guid? ReportedBy, Guid? AccountId, Guid? SharedBy, SharedCredential? What, SharingChannel? Channel, DateOnly? OccurredOn, string? Notes);

    public sealed record Command(
        Guid IncidentId, Guid ReportedBy, Guid? AccountId, Guid? SharedBy, SharedCredential What, SharingChannel Channel, DateOnly OccurredOn,
        string? SealedNotes, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, Person reporter, Person? sharer, Account? account, SharingReport state)
    {
        if (state.Reported)
        {
            throw CommandRefusedException.Conflict("This incident is already recorded.");
        }
        if (!reporter.Enrolled)
        {
            throw CommandRefusedException.Invalid("reportedBy must be a person of the school.");
        }
        if (c.SharedBy is not null && sharer is not { Enrolled: true })
        {
            throw CommandRefusedException.Invalid("sharedBy must be a person of the school.");
        }
        if (c.AccountId is not null && account is not { Registered: true })
        {
            throw CommandRefusedException.Invalid("accountId must be an official account of the school.");
        }
        if (c.What == SharedCredential.OfficialAccountLogin && c.AccountId is null)
        {
            throw CommandRefusedException.Invalid("An official account's login needs its accountId.");
        }
        AccountInput.NotInFuture(c.OccurredOn, c.Now, "occurredOn");
        return [new CredentialSharingReported(c.IncidentId, c.ReportedBy, c.AccountId, c.SharedBy, c.What, c.Channel, c.OccurredOn,
            c.SealedNotes, c.By, c.Now)];
    }

    public static async Task<Created<CommandResult>> Handle(
        Request body, CommandContext context, LedgerStore store, PersonalDataVault vault, HttpResponse response, CancellationToken ct)
    {
        var reportedBy = AccountInput.Required(body.ReportedBy, "reportedBy");
        var what = AccountInput.Required(body.What, "what");
        var channel = AccountInput.Required(body.Channel, "channel");
        var on = AccountInput.Required(body.OccurredOn, "occurredOn");
        var notes = AccountInput.OptionalText(body.Notes, "notes", 4000);
        var (reporter, _) = await StreamHandler.LoadAsync(store, context.Tenant, Person.StreamId(reportedBy), Person.Stream, ct);
        Person? sharer = body.SharedBy is { } sharedBy
            ? (await StreamHandler.LoadAsync(store, context.Tenant, Person.StreamId(sharedBy), Person.Stream, ct)).State
            : null;
        Account? account = body.AccountId is { } accountId
            ? (await StreamHandler.LoadAsync(store, context.Tenant, Account.StreamId(accountId), Account.Stream, ct)).State
            : null;
        var incidentId = Guid.CreateVersion7(context.Now);
        // Checked before sealing, so no key is made for someone who is not here.
        var unsealed = new Command(incidentId, reportedBy, body.AccountId, body.SharedBy, what, channel, on, null, context.Actor, context.Now);
        Decide(unsealed, reporter, sharer, account, new SharingReport(false));
        var sealedNotes = notes is null ? null : await vault.SealAsync(context.Tenant, body.SharedBy ?? reportedBy, notes, ct);
        var command = unsealed with { SealedNotes = sealedNotes };
        var result = await StreamHandler.HandleAsync(store, context, SharingReport.StreamId(incidentId), SharingReport.Stream,
            s => Decide(command, reporter, sharer, account, s), ct);
        // The incident is read through the school's ledger (its own stream); it has no register of its own yet.
        // A retry returns the incident the first attempt recorded, not the id this attempt drew.
        return Responses.Created(response, $"/api/schools/{context.Tenant}/streams/{result.StreamId}", result);
    }
}
