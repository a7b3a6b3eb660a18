using System.Text.RegularExpressions;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Policies;

/// <summary>Publishes a new version of a policy. Every audience member must acknowledge it afresh.</summary>
public static partial class PublishPolicyVersion
{
    // Ratification is optional (governors may ratify later): defaults keep it out of the document's required members.
    public sealed record Request(
        string? Title, string? VersionLabel, string? DocumentSha256, DateOnly? EffectiveFrom, int? ReviewCycleYears,
        string? ResponsibleCommittee, IReadOnlyList<Role>? Audiences, int? DaysToAcknowledge, int? MaxExceptionDays,
        DateOnly? RatifiedOn = null, Guid? RatifiedByChair = null);

    public sealed record Command(
        string PolicyId, string Title, string VersionLabel, string DocumentSha256, DateOnly EffectiveFrom, int ReviewCycleYears,
        string ResponsibleCommittee, DateOnly? RatifiedOn, Guid? RatifiedByChair, bool ChairIsChairOfGovernors,
        IReadOnlyList<Role> Audiences, int DaysToAcknowledge, int MaxExceptionDays, string By, DateTimeOffset Now);

    public static IReadOnlyList<object> Decide(Command c, Policy state)
    {
        if (state.Versions.Any(v => v.Label == c.VersionLabel))
        {
            throw CommandRefusedException.Conflict($"Version {c.VersionLabel} is already published.");
        }
        if (!Sha256Pattern().IsMatch(c.DocumentSha256))
        {
            throw CommandRefusedException.Invalid("documentSha256 must be 64 lower-case hex digits: the SHA-256 of the document text.");
        }
        if (c.ReviewCycleYears is not (1 or 2))
        {
            throw CommandRefusedException.Invalid("reviewCycleYears is 1 or 2.");
        }
        if (c.Audiences.Count == 0 || c.DaysToAcknowledge is < 1 or > 365 || c.MaxExceptionDays is < 1 or > 1096)
        {
            throw CommandRefusedException.Invalid("audiences must name a role; daysToAcknowledge is 1 to 365; maxExceptionDays 1 to 1096.");
        }
        if ((c.RatifiedOn is null) != (c.RatifiedByChair is null))
        {
            throw CommandRefusedException.Invalid("ratifiedOn and ratifiedByChair go together.");
        }
        if (c.RatifiedByChair is not null && !c.ChairIsChairOfGovernors)
        {
            throw CommandRefusedException.Invalid("ratifiedByChair must be the school's chair of governors.");
        }
        if (c.RatifiedOn > SchoolDay.Of(c.Now))
        {
            throw CommandRefusedException.Invalid("ratifiedOn cannot be in the future.");
        }
        return [new PolicyVersionPublished(c.PolicyId, c.Title, c.VersionLabel, c.DocumentSha256, c.EffectiveFrom, c.ReviewCycleYears,
            c.EffectiveFrom.AddYears(c.ReviewCycleYears), c.ResponsibleCommittee, c.RatifiedOn,
            c.RatifiedByChair is { } chair ? $"person:{chair:D}" : null, [.. c.Audiences.Distinct()], c.DaysToAcknowledge,
            c.MaxExceptionDays, c.By, c.Now)];
    }

    public static async Task<Created<CommandResult>> Handle(
        string policyId, Request body, CommandContext context, LedgerStore store, Npgsql.NpgsqlDataSource dataSource,
        Scheduling.ScheduledWork work, HttpResponse response, CancellationToken ct)
    {
        CheckPolicyId(policyId);
        if (string.IsNullOrWhiteSpace(body.Title) || body.Title.Length > 200 || string.IsNullOrWhiteSpace(body.VersionLabel) || body.VersionLabel.Length > 40
            || body.DocumentSha256 is null || body.EffectiveFrom is null || body.ReviewCycleYears is null
            || string.IsNullOrWhiteSpace(body.ResponsibleCommittee) || body.ResponsibleCommittee.Length > 100 || body.Audiences is null || body.DaysToAcknowledge is null
            || body.MaxExceptionDays is null)
        {
            throw CommandRefusedException.Invalid(
                "title (up to 200 characters), versionLabel (up to 40), documentSha256, effectiveFrom, reviewCycleYears, responsibleCommittee (up to 100), "
                + "audiences, daysToAcknowledge and maxExceptionDays are required.");
        }
        var chairHolds = body.RatifiedByChair is { } chair && await IsChairAsync(dataSource, context.Tenant, chair, ct);
        var command = new Command(policyId, body.Title.Trim(), body.VersionLabel.Trim(), body.DocumentSha256, body.EffectiveFrom.Value,
            body.ReviewCycleYears.Value, body.ResponsibleCommittee.Trim(), body.RatifiedOn, body.RatifiedByChair, chairHolds,
            body.Audiences, body.DaysToAcknowledge.Value, body.MaxExceptionDays.Value, context.Actor, context.Now);
        // The review date is the decided event's (the decision checks the cycle); it is scheduled in the same transaction.
        DateOnly? reviewDue = null;
        var result = await StreamHandler.HandleAsync(store, context, Policy.StreamId(policyId), Policy.Stream, s =>
        {
            var events = Decide(command, s);
            reviewDue = ((PolicyVersionPublished)events[0]).NextReviewDue;
            return events;
        }, async (session, token) =>
        {
            await RecordReviewDue.Schedule(work, context.Tenant, policyId, reviewDue!.Value)(session, token);
            // Everyone who must acknowledge it is told, in this transaction (docs/notifications.md).
            await Notices.AcknowledgementReminders.OnPublishedAsync(session, work, dataSource, context.Tenant, policyId,
                [.. command.Audiences.Distinct().Select(Roles.Name)], context.Now);
        }, ct);
        return Responses.Created(response, $"/api/schools/{context.Tenant}/policies/{policyId}", result);
    }

    public static void CheckPolicyId(string policyId)
    {
        if (!PolicyIdPattern().IsMatch(policyId))
        {
            throw CommandRefusedException.Invalid("A policy id is 1 to 60 lower-case letters, digits and hyphens, such as social-media.");
        }
    }

    public static async Task<bool> IsChairAsync(Npgsql.NpgsqlDataSource dataSource, string urn, Guid personId, CancellationToken ct) =>
        await Schools.SchoolAccess.CurrentRolesAsync(dataSource, urn, personId, ct) is { } roles && roles.Contains(Role.ChairOfGovernors);

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,59}$")]
    private static partial Regex PolicyIdPattern();
}
