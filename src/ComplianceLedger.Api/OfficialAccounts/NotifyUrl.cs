using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>
/// The account's URL and identity went to SLT or the head of department (a teacher), which must
/// happen before pupils get access. Recorded once: the first notification is what counts.
/// </summary>
public static class NotifyUrl
{
    public sealed record Request(IReadOnlyList<Guid>? NotifiedTo, DateOnly? NotifiedOn);

    /// <summary>Who may be told: leadership, or a teacher as head of department.</summary>
    static readonly Role[] Recipients = [Role.Headteacher, Role.Slt, Role.Dsl, Role.Teacher];

    /// <param name="rolesOf">Each named person's current roles; null for someone not (or no longer) at the school.</param>
    public static IReadOnlyList<object> Decide(
        Guid accountId, IReadOnlyList<Guid> notifiedTo, IReadOnlyDictionary<Guid, IReadOnlySet<Role>?> rolesOf, DateOnly notifiedOn,
        string by, DateTimeOffset now, Account state)
    {
        state.MustBeOpen();
        if (state.UrlNotifiedOn is { } earlier)
        {
            throw CommandRefusedException.Conflict($"The URL was already notified on {earlier:yyyy-MM-dd}.");
        }
        if (notifiedTo.Count is 0 or > 20)
        {
            throw CommandRefusedException.Invalid("notifiedTo names 1 to 20 people.");
        }
        if (notifiedTo.Any(p => rolesOf.GetValueOrDefault(p) is not { } roles || !Recipients.Any(roles.Contains)))
        {
            throw CommandRefusedException.Invalid("Everyone in notifiedTo must be a current member of SLT, the headteacher, the DSL or a teacher (head of department).");
        }
        AccountInput.NotInFuture(notifiedOn, now, "notifiedOn");
        return [new AccountUrlNotified(accountId, state.Url, [.. notifiedTo.Distinct()], notifiedOn, by, now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, LedgerStore store, NpgsqlDataSource dataSource, HttpResponse response, CancellationToken ct)
    {
        var notifiedTo = body.NotifiedTo ?? throw CommandRefusedException.Invalid("notifiedTo is required.");
        var on = AccountInput.Required(body.NotifiedOn, "notifiedOn");
        var rolesOf = new Dictionary<Guid, IReadOnlySet<Role>?>();
        foreach (var person in notifiedTo.Distinct().Take(21))
        {
            rolesOf[person] = await SchoolAccess.CurrentRolesAsync(dataSource, context.Tenant, person, ct);
        }
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
            s => Decide(accountId, notifiedTo, rolesOf, on, context.Actor, context.Now, s), ct));
    }
}
