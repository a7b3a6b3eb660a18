using ComplianceLedger.Api.Acknowledgements;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.EventStore;

namespace ComplianceLedger.Api.Import;

/// <summary>
/// Past paper acknowledgements: <c>person</c> (their email), <c>policy</c> (its id), <c>version</c>
/// (its label), <c>date</c> signed and <c>method</c> ("paper form"), each recorded by
/// <see cref="RecordPaperAcknowledgement"/>'s decision. That decision takes the current version
/// only, so a row naming an older one is refused, as the office's form would refuse it.
/// </summary>
internal static class AcknowledgementImport
{
    public static readonly ImportColumn[] Columns =
    [
        new("person", true, "email", "person email"),
        new("policy", true, "policy id"),
        new("version", true, "version label", "policy version"),
        new("date", true, "signed on", "date signed", "signed"),
        new("method", false),
    ];

    static readonly Dictionary<string, bool> Methods = new(StringComparer.Ordinal)
    {
        [ImportColumns.Key("paper form")] = true,
        [ImportColumns.Key("paper")] = true,
    };

    public static async Task<IReadOnlyList<PlannedRow>> PlanAsync(ImportRows rows, CancellationToken ct)
    {
        var import = rows.Import;
        var c = rows.Columns;
        var people = await import.PeopleByEmailIndexAsync(rows.Tenant, currentOnly: false, ct);
        var policies = new Dictionary<string, Policy>(StringComparer.Ordinal);
        var inFile = new Dictionary<(Guid, string, string), int>();
        var today = SchoolDay.Of(import.Time.GetUtcNow());
        var plan = new List<PlannedRow>();
        foreach (var row in rows.Table.Rows)
        {
            plan.Add(await ImportRows.CheckAsync(row, async () =>
            {
                var email = c.Email(row, "person");
                var policyId = c.Text(row, "policy", 100, "the policy's id, such as social-media");
                rows.Field("policy", () => { PublishPolicyVersion.CheckPolicyId(policyId); return 0; });
                var label = c.Text(row, "version", 40, "the version's label, such as 3");
                var signedOn = c.Date(row, "date");
                if (c.Has("method") && !c.Cell(row, "method").IsBlank)
                {
                    c.Choice(row, "method", Methods, "the ledger imports paper forms only (write \"paper form\")");
                }
                if (signedOn > today)
                {
                    throw new RowErrorException(c.Header("date"), $"{signedOn:yyyy-MM-dd} is in the future");
                }
                if (!people.TryGetValue(import.Emails.Index(email), out var personId))
                {
                    throw new RowErrorException(c.Header("person"), $"no one at this school signs in with {email}: import the staff list first");
                }
                if (!policies.TryGetValue(policyId, out var policy))
                {
                    (policy, _) = await StreamHandler.LoadAsync(import.Store, rows.Tenant, Policy.StreamId(policyId), Policy.Stream, ct);
                    policies[policyId] = policy;
                }
                if (policy.Versions.Count == 0)
                {
                    throw new RowErrorException(c.Header("policy"), $"there is no policy {policyId} at this school");
                }
                if (policy.Current is not { } current)
                {
                    throw new RowErrorException(c.Header("policy"), $"{policyId} is retired: it has no current version to acknowledge");
                }
                if (current.Label != label)
                {
                    throw new RowErrorException(c.Header("version"), policy.Versions.Any(v => v.Label == label)
                        ? $"version {label} of {policyId} is not the current one ({current.Label}): the ledger records acknowledgements of the current version"
                        : $"{policyId} has no version {label}; the current one is {current.Label}");
                }
                if (inFile.TryGetValue((personId, policyId, label), out var first))
                {
                    return PlannedRow.Skip(row.Number, $"{email}, {policyId} version {label}: the same as row {first}: skipped");
                }
                inFile[(personId, policyId, label)] = row.Number;
                if (rows.AlreadyImported(row))
                {
                    return PlannedRow.Skip(row.Number, $"{email}, {policyId} version {label}: already imported from this file: skipped");
                }
                var (personStream, recordStream) = (Person.StreamId(personId), AcknowledgementRecord.StreamId(personId));
                var read = await import.Store.ReadStreamsAsync(rows.Tenant, [personStream, recordStream], ct);
                var (person, _) = StreamHandler.Fold(Person.Stream, read[personStream]);
                var (record, _) = StreamHandler.Fold(AcknowledgementRecord.Stream, read[recordStream]);
                if (record.Acknowledged.Contains((policyId, label)))
                {
                    return PlannedRow.Skip(row.Number, $"{email}, {policyId} version {label}: already acknowledged: skipped");
                }
                var signedAt = StartOf(signedOn);
                IReadOnlyList<object> Decide(AcknowledgementRecord r, CommandContext context) => RecordPaperAcknowledgement.Decide(
                    policyId, label, current.DocumentSha256, personId, signedAt, context.Actor, context.Now, person, policy, r);
                Decide(record, CommandContext.ForOperator(rows.Tenant, SchoolImport.Actor, import.Time.GetUtcNow()));
                return new PlannedRow(new RowOutcome(row.Number, RowOutcomeKind.Writes,
                    $"will record {email}'s paper acknowledgement of {policyId} version {label}, signed {signedOn:yyyy-MM-dd}"),
                    (context, _) => Task.FromResult<Func<CancellationToken, Task<int>>>(async token =>
                    {
                        var result = await StreamHandler.HandleAsync(import.Store, context, recordStream, AcknowledgementRecord.Stream,
                            r => Decide(r, context), token);
                        return result.Replayed ? 0 : result.Positions.Count;
                    }));
            }));
        }
        return plan;
    }

    /// <summary>A signing date as a moment: the start of that day at the school (UK time), never after the day itself.</summary>
    internal static DateTimeOffset StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, SchoolDay.Zone.GetUtcOffset(local));
    }
}
