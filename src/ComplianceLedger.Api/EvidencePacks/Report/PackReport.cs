using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using ComplianceLedger.Api.AsOf;
using ComplianceLedger.Api.AuditTrail;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Exceptions;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Packs;
using ComplianceLedger.EventStore.PersonalData;

namespace ComplianceLedger.Api.EvidencePacks.Report;

/// <summary>What the pack builder asks the report for: the school, the period and the tree head the pack proves.</summary>
/// <param name="GeneratedBy">Display text of who asked.</param>
/// <param name="Digest">The governors' digest text of the tree head.</param>
public sealed record ReportRequest(
    string Urn, string SchoolName, DateOnly From, DateOnly To, bool AsOf,
    DateTimeOffset GeneratedAt, string GeneratedBy,
    long TreeSize, string RootHex, string KeyId, string Digest);

/// <summary>
/// The evidence pack's files for people: report.pdf, report.html and one CSV per register, all read in one
/// snapshot of the read models as they stood at the period's end (an "as of" replay when it is before today).
/// </summary>
public static class PackReport
{
    /// <summary>Every register in the order the report shows them, with its CSV's name.</summary>
    public static readonly IReadOnlyList<string> CsvFiles =
    [
        "compliance.csv", "acknowledgements.csv", "declarations.csv", "exceptions.csv", "official-accounts.csv",
        "credential-custody.csv", "policies.csv", "audit-trail.csv",
    ];

    public static async Task<IReadOnlyList<PackFile>> BuildAsync(ReportRequest request, IServiceProvider services,
        IProgress<string>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(services);
        progress?.Report("Reading the registers");
        var data = await ReadAsync(request, services, ct);
        var files = new List<PackFile>();
        progress?.Report("Writing the PDF report");
        files.Add(new PackFile("report.pdf", ReportPdf.Write(data)));
        progress?.Report("Writing the HTML report");
        files.Add(new PackFile("report.html", ReportHtml.Write(data)));
        progress?.Report("Writing the registers as CSV");
        files.AddRange(ReportCsv.Write(data));
        return files;
    }

    static async Task<ReportData> ReadAsync(ReportRequest request, IServiceProvider services, CancellationToken ct)
    {
        var readModels = services.GetRequiredService<ReadModelReader>();
        var vault = services.GetRequiredService<PersonalDataVault>();
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var today = SchoolDay.Today(time);
        // State as the period ended: a past end is replayed "as of" it, a period reaching today reads live.
        var asOf = request.To < today ? request.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
        var (start, end) = Instants(request);
        ReadScope scope;
        try
        {
            scope = await readModels.OpenAsync(request.Urn, asOf, ct);
        }
        catch (CommandRefusedException e) when (e.Status == StatusCodes.Status404NotFound && asOf is not null)
        {
            // The school had no records by the period's end: the report says so, with empty registers.
            return ReportData.Empty(request, start, end);
        }
        await using (scope)
        {
            var summary = await SchoolCompliance.SummariseAsync(scope, request.Urn, ct);
            var items = await SchoolCompliance.ItemsAsync(scope, vault, request.Urn, ct);
            var declarations = await ExceptionRegister.ListAsync(scope, vault, request.Urn, ExceptionRegister.Relationships, ct);
            var exceptions = await ExceptionRegister.ListAsync(scope, vault, request.Urn, ExceptionRegister.Exceptions, ct);
            var accounts = await AccountRegister.LoadAsync(scope, vault, request.Urn, null, ct);
            // Answered for nobody: the report is the school's, not the reader's.
            var policies = await ListPolicies.CurrentAsync(scope, request.Urn, Guid.Empty, ct);
            var trail = await ShowAuditTrail.LinesAsync(scope, vault, request.Urn, ct, limit: int.MaxValue, start: start, end: end);
            trail.Reverse();
            return new ReportData(request, scope.AsOf, start, end, summary.Rules, summary.Coverage, items, declarations.Items, exceptions.Items,
                accounts, policies, trail);
        }
    }

    /// <summary>The period as UTC instants: midnight in London at the start of From (none when "as of") to midnight at the end of To.</summary>
    public static (DateTimeOffset? Start, DateTimeOffset End) Instants(ReportRequest request)
    {
        DateTimeOffset Midnight(DateOnly day) =>
            new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue), SchoolDay.Zone), TimeSpan.Zero);
        return (request.AsOf ? null : Midnight(request.From), Midnight(request.To.AddDays(1)));
    }

    /// <summary>Shown for a sealed value whose subject's key was shredded.</summary>
    public const string Erased = "erased under retention";

    /// <summary>
    /// The text a report shows for a value: the registers' "(erased)" in the report's words, and never a sealed value's
    /// ciphertext, should one reach here unopened.
    /// </summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static string? Shown(string? value)
    {
        if (value is null)
        {
            return null;
        }
        if (PersonalDataVault.IsSealed(value))
        {
            return Erased;
        }
        return value.Contains(ShowAuditTrail.Erased, StringComparison.Ordinal) ? value.Replace(ShowAuditTrail.Erased, Erased, StringComparison.Ordinal) : value;
    }
}

/// <summary>Everything the report shows, read once, for the three writers.</summary>
public sealed record ReportData(
    ReportRequest Request,
    LedgerPoint? AsOf,
    DateTimeOffset? Start,
    DateTimeOffset End,
    IReadOnlyList<SchoolCompliance.StatusCounts> Rules,
    IReadOnlyList<SchoolCompliance.PolicyCoverage> Coverage,
    IReadOnlyList<SchoolCompliance.Item> Items,
    IReadOnlyList<ExceptionView> Declarations,
    IReadOnlyList<ExceptionView> Exceptions,
    IReadOnlyList<AccountRegister.AccountView> Accounts,
    IReadOnlyList<ListPolicies.CurrentPolicy> Policies,
    IReadOnlyList<ShowAuditTrail.AuditLine> Trail)
{
    public static ReportData Empty(ReportRequest request, DateTimeOffset? start, DateTimeOffset end) =>
        new(request, null, start, end, [], [], [], [], [], [], [], []);
}
