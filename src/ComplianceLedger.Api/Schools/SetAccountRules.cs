using System.Text.RegularExpressions;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Schools;

/// <summary>Sets the email domain(s) official accounts must be registered with, and the handle tag they must carry.</summary>
public static partial class SetAccountRules
{
    public sealed record Request(IReadOnlyList<string>? EmailDomains, string? HandleTag);

    public sealed record Command(IReadOnlyList<string> EmailDomains, string? HandleTag, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, School state)
    {
        if (!state.Registered)
        {
            throw CommandRefusedException.NotFound("The school is not registered.");
        }
        CheckRules(c.EmailDomains, c.HandleTag);
        return [new SchoolAccountRulesSet([.. c.EmailDomains.Select(d => d.ToLowerInvariant()).Distinct()], c.HandleTag, c.By, c.Now)];
    }

    public static void CheckRules(IReadOnlyList<string> domains, string? handleTag)
    {
        if (domains.Count == 0 || domains.Any(d => !DomainPattern().IsMatch(d)))
        {
            throw CommandRefusedException.Invalid("emailDomains must list at least one domain such as calcot.reading.sch.uk.");
        }
        if (handleTag is not null && !TagPattern().IsMatch(handleTag))
        {
            throw CommandRefusedException.Invalid("handleTag must be 2 to 12 letters or digits, such as IHS.");
        }
    }

    public static async Task<Ok<CommandResult>> Handle(Request body, CommandContext context, LedgerStore store, HttpResponse response, CancellationToken ct)
    {
        var command = new Command(body.EmailDomains ?? [], body.HandleTag, context.Actor, context.Now);
        var result = await StreamHandler.HandleAsync(store, context, School.StreamId, School.Stream, s => Decide(command, s), ct);
        return Responses.Ok(response, result);
    }

    [GeneratedRegex(@"^(?=.{3,200}$)([a-zA-Z0-9-]+\.)+[a-zA-Z]{2,}$")]
    private static partial Regex DomainPattern();

    [GeneratedRegex("^[A-Za-z0-9]{2,12}$")]
    private static partial Regex TagPattern();

    public static RouteHandlerBuilder MapSetAccountRules(this RouteGroupBuilder school) =>
        school.MapPut("/account-rules", Handle).RequireRoles(Role.Headteacher, Role.Slt);
}
