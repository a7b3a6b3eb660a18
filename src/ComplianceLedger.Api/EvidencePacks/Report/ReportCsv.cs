using System.Globalization;
using ComplianceLedger.EventStore.Packs;
using global::CsvHelper;

namespace ComplianceLedger.Api.EvidencePacks.Report;

/// <summary>One CSV per register (UTF-8, RFC 4180, a header row of plain words); dates ISO, times as recorded_at.</summary>
public static class ReportCsv
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static IEnumerable<PackFile> Write(ReportData d)
    {
        yield return File("compliance.csv", ["Rule", "Who or what", "Kind", "About", "Status", "Due on", "Late", "Roles", "Detail", "Proof positions"],
            d.Items.Where(i => i.Rule != "acknowledgement").Select(i => new[]
            {
                i.Rule, PackReport.Shown(i.PersonName) ?? i.SubjectId, i.SubjectKind, i.Scope ?? "", i.Status, Iso(i.DueOn), i.Late ? "yes" : "no",
                string.Join(" ", i.Roles), PackReport.Shown(i.Detail), string.Join(" ", i.Proof),
            }));
        yield return File("acknowledgements.csv", ["Policy", "Person", "Person id", "Roles", "Status", "Due on", "Late", "Detail", "Proof positions"],
            d.Items.Where(i => i.Rule == "acknowledgement").Select(i => new[]
            {
                i.Scope ?? "", PackReport.Shown(i.PersonName) ?? "", i.PersonId?.ToString("D") ?? "", string.Join(" ", i.Roles), i.Status, Iso(i.DueOn),
                i.Late ? "yes" : "no", PackReport.Shown(i.Detail), string.Join(" ", i.Proof),
            }));
        foreach (var (name, items) in new[] { ("declarations.csv", d.Declarations), ("exceptions.csv", d.Exceptions) })
        {
            yield return File(name, ["Item id", "Opened at", "Person", "Kind", "Description", "Status", "DSL's advice", "DSL consulted by", "DSL consulted at",
                "Decision", "Decided by", "Decided at", "Conditions", "Reasons", "Until", "Proof positions"],
                items.Select(x => new[]
                {
                    x.ItemId.ToString("D"), Utc(x.OpenedAt), PackReport.Shown(x.PersonName), x.Kind, PackReport.Shown(x.Description), x.Status,
                    PackReport.Shown(x.DslAdvice) ?? "", PackReport.Shown(x.DslConsultedByName) ?? "", Utc(x.DslConsultedAt), x.DecidedAs ?? "",
                    PackReport.Shown(x.DecidedByName) ?? "", Utc(x.DecidedAt), PackReport.Shown(x.Conditions) ?? "", PackReport.Shown(x.Reasons) ?? "",
                    Iso(x.Until), string.Join(" ", x.Positions),
                }));
        }
        yield return File("official-accounts.csv", ["Account id", "Platform", "Handle", "Address", "Purpose", "State", "Owner", "Registered at",
            "Risk assessment", "Risk assessed on", "Approved at", "Approved as", "Address notified on", "Pupil access on", "First used on",
            "Acceptable use checked on", "Links to acceptable use", "Suspended on", "Decommissioned on", "Falls short of"],
            d.Accounts.Select(a => new[]
            {
                a.AccountId.ToString("D"), a.Platform, a.Handle, a.Url, a.Purpose, a.State, PackReport.Shown(a.Owner.Name), Utc(a.RegisteredAt),
                a.RiskAssessmentReference ?? "", Iso(a.RiskAssessedOn), Utc(a.ApprovedAt), a.ApprovedAs ?? "", Iso(a.UrlNotifiedOn), Iso(a.PupilAccessOn),
                Iso(a.FirstUsedOn), Iso(a.AupCheckedOn), a.LinksToAup is { } l ? (l ? "yes" : "no") : "", Iso(a.SuspendedOn), Iso(a.DecommissionedOn),
                string.Join(" ", a.Flags.Select(f => f.Rule)),
            }));
        yield return File("credential-custody.csv", ["Account id", "Account", "Custodian", "Custodian id", "Current leadership", "Lodged at",
            "Last rotated on", "Rotation reason", "Last break-glass access at", "Sharing reports"],
            d.Accounts.SelectMany(a => (a.Custodians.Count == 0 ? [null] : a.Custodians.Cast<OfficialAccounts.AccountRegister.CustodianView?>()).Select(c => new[]
            {
                a.AccountId.ToString("D"), $"{a.Platform} {a.Handle}", c is null ? "" : PackReport.Shown(c.Name), c?.PersonId.ToString("D") ?? "",
                c is null ? "" : c.CurrentLeadership ? "yes" : "no", c is null ? "" : Utc(c.LodgedAt), Iso(a.LastRotation?.RotatedOn),
                PackReport.Shown(a.LastRotation?.Reason) ?? "", Utc(a.LastBreakGlassAccessAt), a.SharingReports.ToString(Invariant),
            })));
        yield return File("policies.csv", ["Policy id", "Title", "Version", "In force from", "Document SHA-256", "Ratified on", "Next review due",
            "Committee", "Audiences", "Days to acknowledge"],
            d.Policies.Select(p => new[]
            {
                p.PolicyId, p.Title, p.VersionLabel, Iso(p.EffectiveFrom), p.DocumentSha256, Iso(p.RatifiedOn), Iso(p.NextReviewDue), p.ResponsibleCommittee,
                string.Join(" ", p.Audiences), p.DaysToAcknowledge.ToString(Invariant),
            }));
        yield return File("audit-trail.csv", ["Position", "Recorded at", "By", "Event type", "Stream", "What happened"],
            d.Trail.Select(l => new[]
            {
                l.Position.ToString(Invariant), Utc(l.RecordedAt), PackReport.Shown(l.Actor), l.EventType, l.StreamId, PackReport.Shown(l.Line),
            }));
    }

    /// <summary>A cell a spreadsheet would run as a formula (starting = + - @, a tab or a return) is written with a leading apostrophe.</summary>
    static readonly CsvWriterOptions Options = new() { Injection = CsvInjection.Escape };

    static PackFile File(string name, string[] headers, IEnumerable<string[]> rows)
    {
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, Options, leaveOpen: true))
        {
            csv.WriteHeader(headers);
            foreach (var row in rows)
            {
                csv.WriteRecord(row);
            }
        }
        return new PackFile(name, buffer.ToArray());
    }

    static string Iso(DateOnly? day) => day?.ToString("yyyy-MM-dd", Invariant) ?? "";

    /// <summary>As recorded_at: UTC, to the microsecond, with a Z.</summary>
    static string Utc(DateTimeOffset? at) => at?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", Invariant) ?? "";
}
