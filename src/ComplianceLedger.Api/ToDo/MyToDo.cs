using System.ComponentModel;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.Api.Schools;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ComplianceLedger.Api.ToDo;

/// <summary>
/// <c>GET /api/schools/{urn}/me/to-do</c>: what the signed-in person must do, soonest first, each with
/// the request that does it. Policy versions to acknowledge are the person's acknowledgement verdicts
/// (rm.compliance, judged by the acknowledgement coverage rule) that are due or overdue, less any
/// version they have answered since (the facts are written with the answer; the verdict follows a
/// moment later). Their own declarations and requests waiting for the DSL or a decision are listed
/// as waiting; an approved exception of theirs ending within <see cref="RenewWithinDays"/> days,
/// with no extension asked, is theirs to renew.
/// </summary>
public static class MyToDo
{
    /// <summary>How early an exception's holder is reminded to ask for an extension: a decision takes time.</summary>
    public const int RenewWithinDays = 30;

    public sealed record ToDoItem(
        [property: Description("acknowledge (a policy version), renew (an exception ending soon) or waiting (your item awaits someone else)")] string Kind,
        string What,
        [property: Description("due or overdue (acknowledge), due (renew), waiting")] string Status,
        DateOnly? DueOn,
        string? PolicyId,
        string? VersionLabel,
        Guid? ItemId,
        [property: Description("What a waiting item waits for: dsl-advice, decision, extension-decision, fresh-decision.")] string? Awaiting,
        [property: Description("The request that does it; null for a waiting item.")] NextStep? Action);

    public static async Task<Ok<Listing<ToDoItem>>> Handle(
        string urn, SchoolMember member, ReadModelReader readModels, CancellationToken ct,
        [Description(AsOfQuestion.Description)] string? asOf = null)
    {
        await using var scope = await readModels.OpenAsync(urn, asOf, ct);
        var on = scope.On;
        await using var batch = scope.Batch(
            Command($"""
                SELECT * FROM (
                    SELECT v.policy_id, v.title, v.version_label, v.document_sha256, {SchoolCompliance.StatusOn} AS s, c.due_on
                      FROM rm.compliance c
                      JOIN rm.policy_versions v ON v.tenant = c.tenant AND v.policy_id = c.scope AND v.is_current
                     WHERE c.tenant = $1 AND c.rule = 'acknowledgement' AND c.person_id = $3
                       AND NOT EXISTS (SELECT 1 FROM rm.acknowledgements a
                                        WHERE (a.tenant, a.person_id, a.policy_id, a.version_label) = (c.tenant, c.person_id, v.policy_id, v.version_label))
                ) t WHERE s IN ('due', 'overdue')
                """, urn, on, member.PersonId),
            Command($"""
                SELECT x.item_id, x.subject, x.kind, x.status, {ExceptionViews.AwaitingSql}, x.until, x.extension_until, x.version
                  FROM rm.exceptions x WHERE x.tenant = $1 AND x.person_id = $3 ORDER BY x.opened_at, x.item_id
                """, urn, on, member.PersonId));
        var items = new List<ToDoItem>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (policyId, title, label, sha) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
            items.Add(new ToDoItem("acknowledge", $"Acknowledge {title} version {label}", reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateOnly>(5), policyId, label, null, null,
                ListPolicies.Acknowledgement(urn, policyId, label, sha)));
        }
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (itemId, subject, kind, status) = (reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
            var awaiting = reader.IsDBNull(4) ? null : reader.GetString(4);
            var until = reader.IsDBNull(5) ? (DateOnly?)null : reader.GetFieldValue<DateOnly>(5);
            var what = subject == "declaration" ? $"Your declared relationship ({kind})" : $"Your exception request ({kind})";
            if (awaiting is not null)
            {
                items.Add(new ToDoItem("waiting", $"{what} awaits {Waits(awaiting)}", "waiting", null, null, null, itemId, awaiting, null));
            }
            else if (ToRenew(subject, status, until, reader.IsDBNull(6), on))
            {
                items.Add(new ToDoItem("renew", $"{what} ends after {until:yyyy-MM-dd}: ask for an extension if you still need it", "due", until,
                    null, null, itemId, null,
                    new NextStep("POST", $"/api/schools/{urn}/exceptions/{itemId}/extension-requests", new Dictionary<string, string>(),
                        ["until", "reason"], StreamVersionTag.Quote(reader.GetInt64(7)))));
            }
        }
        // Soonest first; waiting items (no date) last, in the order they were opened.
        ToDoItem[] ordered = [.. items.OrderBy(i => i.DueOn ?? DateOnly.MaxValue)];
        return TypedResults.Ok(new Listing<ToDoItem>(scope.AsOf, ordered));
    }

    /// <summary>An approved exception request of theirs that ends soon, with no extension asked yet: RequestExtension accepts it until its last day.</summary>
    public static bool ToRenew(string subject, string status, DateOnly? until, bool noExtensionAsked, DateOnly on) =>
        subject == "exception" && status == "approved" && noExtensionAsked && until is { } last && last >= on && last.DayNumber - on.DayNumber <= RenewWithinDays;

    static string Waits(string awaiting) => awaiting switch
    {
        "dsl-advice" => "the designated safeguarding lead's advice",
        "decision" => "a decision",
        "extension-decision" => "a decision on your extension",
        "fresh-decision" => "a fresh decision (its approval lapsed); withdraw it if the relationship has ended",
        _ => awaiting,
    };

    static NpgsqlBatchCommand Command(string sql, string urn, DateOnly on, Guid personId)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = on });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
        return command;
    }
}
