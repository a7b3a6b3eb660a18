using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore.PersonalData;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComplianceLedger.Api.Exceptions;

/// <summary>
/// The headteacher's approvals queue: declarations awaiting the DSL or a decision, exception
/// requests awaiting a decision, relationships to decide afresh after a revocation or lapse, and
/// extension requests. The DSL sees it too; the chair of governors sees only the headteacher's own.
/// </summary>
public static class ListApprovals
{
    /// <summary>What a queued item may wait for (<see cref="ExceptionView.Awaiting"/>).</summary>
    public static readonly string[] Awaitings = ["dsl-advice", "decision", "fresh-decision", "extension-decision"];

    public static async Task<Ok<Listing<ExceptionView>>> Handle(
        string urn, SchoolMember member, ReadModelReader readModels, PersonalDataVault vault, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null,
        [Description("Only the items waiting for this: dsl-advice (the DSL's queue), decision, fresh-decision or extension-decision.")] string? awaiting = null)
    {
        if (awaiting is not null && !Awaitings.Contains(awaiting, StringComparer.Ordinal))
        {
            throw CommandRefusedException.Invalid($"awaiting must be one of: {string.Join(", ", Awaitings)}.");
        }
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        var heads = await ExceptionCase.HeadteachersAsync(scope, urn, ct);
        // Who may see what is decided by the reader's roles today; the queue is as it stood then.
        var chairOnly = !member.Holds(Role.Headteacher, Role.Dsl);
        var queue = await ExceptionViews.QueryAsync(scope, vault, urn,
            $"{ExceptionViews.AwaitingSql} IS NOT NULL AND (NOT $2 OR x.person_id = ANY($3)) AND ($4::text IS NULL OR {ExceptionViews.AwaitingSql} = $4::text)",
            heads, ct, chairOnly, heads.ToArray(), (object?)awaiting ?? DBNull.Value);
        return TypedResults.Ok(new Listing<ExceptionView>(scope.AsOf, queue));
    }
}
