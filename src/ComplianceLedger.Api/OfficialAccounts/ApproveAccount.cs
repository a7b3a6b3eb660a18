using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.OfficialAccounts;

/// <summary>
/// The headteacher approves an account before it is used, after its risk assessment. No one
/// approves an account they own; when the headteacher owns it, the chair of governors decides.
/// </summary>
public static class ApproveAccount
{
    public sealed record Request(string? Conditions);

    public sealed record Command(
        Guid AccountId, Guid ApproverId, bool ApproverIsHead, bool ApproverIsChair, bool OwnerIsHead, string? Conditions, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, Account state)
    {
        state.MustBeOpen();
        if (state.Approved)
        {
            throw CommandRefusedException.Conflict($"The account was already approved on {state.ApprovedOn:yyyy-MM-dd}.");
        }
        if (c.ApproverId == state.OwnerId)
        {
            throw CommandRefusedException.Forbidden("No one approves an account they own: the headteacher approves it, or the chair of governors when the head owns it.");
        }
        if (!state.RiskAssessed)
        {
            throw CommandRefusedException.Conflict("Record the account's risk assessment before approving it.");
        }
        Role approvedAs;
        if (c.OwnerIsHead)
        {
            approvedAs = c.ApproverIsChair
                ? Role.ChairOfGovernors
                : throw CommandRefusedException.Forbidden("The headteacher owns this account, so the chair of governors approves it.");
        }
        else
        {
            approvedAs = c.ApproverIsHead
                ? Role.Headteacher
                : throw CommandRefusedException.Forbidden("The headteacher approves official accounts; the chair of governors approves only those the headteacher owns.");
        }
        return [new AccountApproved(c.AccountId, approvedAs, c.Conditions, c.By, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        Guid accountId, Request body, CommandContext context, SchoolMember member, LedgerStore store, NpgsqlDataSource dataSource,
        HttpResponse response, CancellationToken ct)
    {
        var conditions = AccountInput.OptionalText(body.Conditions, "conditions", 1000);
        var (account, _) = await StreamHandler.LoadAsync(store, context.Tenant, Account.StreamId(accountId), Account.Stream, ct);
        var ownerIsHead = account.Registered
            && await SchoolAccess.CurrentRolesAsync(dataSource, context.Tenant, account.OwnerId, ct) is { } roles && roles.Contains(Role.Headteacher);
        var command = new Command(accountId, member.PersonId, member.Holds(Role.Headteacher), member.Holds(Role.ChairOfGovernors), ownerIsHead,
            conditions, context.Actor, context.Now);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Account.StreamId(accountId), Account.Stream,
            s => Decide(command, s), ct));
    }
}
