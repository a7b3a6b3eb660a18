using ComplianceLedger.Api.Ledger;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.Policies;

/// <summary>Records that full governors ratified a version, with the chair named.</summary>
public static class RatifyPolicyVersion
{
    public sealed record Request(DateOnly? RatifiedOn, Guid? ChairPersonId);

    public sealed record Command(string PolicyId, string VersionLabel, DateOnly RatifiedOn, Guid Chair, bool ChairIsChairOfGovernors, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, Policy state)
    {
        var version = state.Versions.FirstOrDefault(v => v.Label == c.VersionLabel)
            // Both come from the path, unchecked: quoted short (ops/fuzz sent a 3,000-digit label).
            ?? throw CommandRefusedException.NotFound($"No version {Hosting.ProblemWords.Echo(c.VersionLabel)} of {Hosting.ProblemWords.Echo(c.PolicyId)}.");
        if (version.Ratified)
        {
            throw CommandRefusedException.Conflict($"Version {c.VersionLabel} is already ratified.");
        }
        if (!c.ChairIsChairOfGovernors)
        {
            throw CommandRefusedException.Invalid("chairPersonId must be the school's chair of governors.");
        }
        if (c.RatifiedOn > SchoolDay.Of(c.Now))
        {
            throw CommandRefusedException.Invalid("ratifiedOn cannot be in the future.");
        }
        return [new PolicyVersionRatified(c.PolicyId, c.VersionLabel, c.RatifiedOn, $"person:{c.Chair:D}", c.By, c.Now)];
    }

    public static async Task<Ok<CommandResult>> Handle(
        string policyId, string versionLabel, Request body, CommandContext context, LedgerStore store, NpgsqlDataSource dataSource,
        HttpResponse response, CancellationToken ct)
    {
        PublishPolicyVersion.CheckPolicyId(policyId);
        if (body.RatifiedOn is not { } on || body.ChairPersonId is not { } chair)
        {
            throw CommandRefusedException.Invalid("ratifiedOn and chairPersonId are required.");
        }
        var command = new Command(policyId, versionLabel, on, chair, await PublishPolicyVersion.IsChairAsync(dataSource, context.Tenant, chair, ct),
            context.Actor, context.Now);
        return Responses.Ok(response, await StreamHandler.HandleAsync(store, context, Policy.StreamId(policyId), Policy.Stream, s => Decide(command, s), ct));
    }
}
