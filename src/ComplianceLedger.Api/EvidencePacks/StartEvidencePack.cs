using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.EvidencePacks;

/// <summary>
/// <c>POST /api/schools/{urn}/evidence-packs</c>: starts building the school's evidence pack for a
/// period (<c>from</c> and <c>to</c>) or for everything up to a day (<c>asOf</c>), in the background;
/// 202 with the status to poll. A bad period is 400 naming the field and builds nothing; a build
/// already running for the school is 409 with its status address (packStatus).
/// </summary>
public static class StartEvidencePack
{
    public sealed record Request
    {
        /// <summary>The period's first day, such as 2026-09-01 (with <c>to</c>).</summary>
        public string? From { get; init; }

        /// <summary>The period's last day, inclusive, such as 2027-08-31 (with <c>from</c>).</summary>
        public string? To { get; init; }

        /// <summary>Everything up to the end of this day, instead of a period.</summary>
        public string? AsOf { get; init; }
    }

    /// <summary>The start, or the refusal in words; shared by the page.</summary>
    public sealed record Outcome(PackBuild? Build, bool Started, IReadOnlyList<Web.FieldError> Errors, bool NoSchool);

    public static async Task<Outcome> StartAsync(
        string? from, string? to, string? asOf, SchoolMember member, PackBuilds builds, EvidencePackBuilder builder, TimeProvider time, CancellationToken ct)
    {
        var (period, errors) = PackPeriodInput.Parse(from, to, asOf, SchoolDay.Of(time.GetUtcNow()));
        if (period is null)
        {
            return new(null, false, errors, false);
        }
        if (await builder.SchoolNameAsync(member.Urn, ct) is null)
        {
            return new(null, false, [], true);
        }
        var (build, started) = builds.Start(member.Urn, member.PersonId, member.Actor, period);
        return new(build, started, [], false);
    }

    public static async Task<Results<Accepted<PackStatus>, ProblemHttpResult>> Handle(
        string urn, Request? body, SchoolMember member, PackBuilds builds, EvidencePackBuilder builder, TimeProvider time, CancellationToken ct)
    {
        var outcome = await StartAsync(body?.From, body?.To, body?.AsOf, member, builds, builder, time, ct);
        if (outcome.Errors.Count > 0)
        {
            // As every field error reads (docs/api.md): the field first, then what was expected.
            return TypedResults.Problem(string.Join(" ", outcome.Errors.Select(e => $"{e.Field}: {e.Message}{(e.Message.EndsWith('.') ? "" : ".")}")),
                title: "The request is not valid", statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["errors"] = outcome.Errors.ToDictionary(e => e.Field, e => (object?)e.Message) });
        }
        if (outcome.NoSchool)
        {
            return TypedResults.Problem($"You have no school {urn}.", title: "No such school", statusCode: StatusCodes.Status404NotFound);
        }
        var status = PackStatus.Of(outcome.Build!);
        if (!outcome.Started)
        {
            return TypedResults.Problem(
                $"An evidence pack for this school is already being built ({status.Percent}% done). Wait for it to finish, then ask again.",
                title: "Already building", statusCode: StatusCodes.Status409Conflict,
                // Not "status": a problem's own member, the 409 (a client's JSON reader refuses a name given twice).
                extensions: new Dictionary<string, object?> { ["packStatus"] = status.Status });
        }
        return TypedResults.Accepted(status.Status, status);
    }
}
