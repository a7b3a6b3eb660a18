using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.AuditTrail;
using ComplianceLedger.Api.Compliance.Pages;
using ComplianceLedger.Api.Demo;
using ComplianceLedger.Api.EvidencePacks.Report;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Packs;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.Tests.Exceptions;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.EvidencePacks;

/// <summary>
/// The evidence pack's report on real PostgreSQL: a school with the social media policy (the teacher acknowledged,
/// the support worker is overdue), a declared relationship advised by the DSL and approved by the head, a declaration
/// whose text looks like a spreadsheet formula, and the teacher's key then shredded. The PDF is read back with
/// poppler (pdftotext, pdftoppm), the HTML with AngleSharp and the CSVs with CsvHelper.
/// </summary>
public sealed class ReportTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    const string Advice = "Low risk: the office does not teach the class.";

    const string Formula = "=HYPERLINK(\"http://example.invalid\",\"click\")";

    static readonly DateOnly From = new(2026, 9, 1), To = new(2027, 8, 31);

    static readonly string[] AcknowledgementsHeader = ["Policy", "Person", "Person id", "Roles", "Status", "Due on", "Late", "Detail", "Proof positions"];
    static readonly string[] TrailHeader = ["Position", "Recorded at", "By", "Event type", "Stream", "What happened"];
    static readonly string[] AccountsHeader = ["Account id", "Platform", "Handle"];
    static readonly string[] CustodyHeader = ["Account id", "Account", "Custodian"];

    static readonly string Root = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("report tests"u8));

    sealed record Built(TestSchool School, IReadOnlyList<PackFile> Files, List<string> Progress, IReadOnlyList<Guid> Accounts)
    {
        public byte[] this[string name] => Assert.Single(Files, f => f.Name == name).Content;

        public string Text(string name) => Encoding.UTF8.GetString(this[name]);
    }

    // Built once for the class: every test reads the same pack (xUnit makes an instance per test).
    static readonly Lock Gate = new();
    static Task<Built>? built;

    Task<Built> BuiltAsync()
    {
        lock (Gate)
        {
            return built ??= BuildAsync();
        }
    }

    async Task<Built> BuildAsync()
    {
        var school = (await UseCase.FreshSchoolAsync(app, ExceptionArrangements.Approved)).School;
        var ack = await (await school.As(Role.Teacher)).PostAsJsonAsync($"/api/schools/{school.Urn}/policies/social-media/acknowledgements",
            new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha });
        Assert.True(ack.IsSuccessStatusCode, await ack.Content.ReadAsStringAsync());
        var office = await ExceptionArrangements.CreatedIdAsync(await school.As(Role.Office), $"/api/schools/{school.Urn}/declarations",
            JsonSerializer.Serialize(new { kind = "pupil-family", description = Formula, onEntryOf = "pupil", enteredOn = ExceptionArrangements.Day(0) }));
        await ExceptionArrangements.PostOkAsync(await school.As(Role.Dsl), $"/api/schools/{school.Urn}/exceptions/{office}/dsl-advice", new { advice = Advice });
        var accounts = await DemoAccounts.SeedAsync(app.Services, school.Urn, ExceptionArrangements.PeopleByKey(school), TimeProvider.System);
        await app.ProjectionsCaughtUpAsync();
        Assert.True(await app.Services.GetRequiredService<PersonalDataVault>().ShredAsync(school.Urn, school.People[Role.Teacher], "person:test"));
        var progress = new List<string>();
        var files = await PackReport.BuildAsync(Request(school.Urn, From, To), app.Services, new SyncProgress(progress.Add), CancellationToken.None);
        return new Built(school, files, progress, accounts);
    }

    static ReportRequest Request(string urn, DateOnly from, DateOnly to) =>
        new(urn, $"School {urn}", from, to, false, new DateTimeOffset(2026, 12, 7, 17, 0, 0, TimeSpan.Zero), "Governor of the school",
            1234, Root, "k1-test", $"School {urn} | tree size 1234 | root {Root}");

    sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }

    static string Teacher(TestSchool s) => $"Teacher of {s.Urn}";

    static string SupportWorker(TestSchool s) => $"SupportStaff of {s.Urn}";

    [Fact]
    public async Task The_pdf_names_the_school_the_period_the_root_and_who_is_outstanding_and_renders_to_pages()
    {
        var b = await BuiltAsync();
        var text = await PdfTextAsync(b["report.pdf"]);

        Assert.Contains($"School {b.School.Urn}", text, StringComparison.Ordinal);
        Assert.Contains("1 September 2026 to 31 August 2027", text, StringComparison.Ordinal);
        Assert.Contains(Root, text, StringComparison.Ordinal);
        Assert.Contains("k1-test", text, StringComparison.Ordinal);
        Assert.Contains("who is outstanding", text, StringComparison.Ordinal);
        Assert.Contains(SupportWorker(b.School), text, StringComparison.Ordinal);
        Assert.Contains(Advice, text, StringComparison.Ordinal);
        Assert.Contains($"Headteacher of {b.School.Urn}", text, StringComparison.Ordinal);
        Assert.Matches(@"Page 1 of \d+", text);
        Assert.Contains("youtube @ScienceTST", text, StringComparison.Ordinal);
        Assert.Contains("No custodian", text, StringComparison.Ordinal);
        Assert.Contains("Writing the PDF report", b.Progress);

        var pages = await PdfPagesAsync(b["report.pdf"]);
        Assert.True(pages.Length > 1, $"{pages.Length} page(s)");
        Assert.All(pages, p => Assert.True(new FileInfo(p).Length > 5_000, $"{p}: {new FileInfo(p).Length} bytes"));
    }

    [Fact]
    public async Task The_html_is_self_contained_accessible_and_shows_the_dashboards_figures()
    {
        var b = await BuiltAsync();
        var html = b.Text("report.html");
        var page = new HtmlParser().ParseDocument(html);

        Assert.Equal("en-GB", page.DocumentElement.GetAttribute("lang"));
        Assert.Single(page.QuerySelectorAll("h1"));
        Assert.Empty(page.QuerySelectorAll("script, link, img, iframe, [style]"));
        Assert.DoesNotContain("http://", html.Replace("http://example.invalid", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("@media print", page.QuerySelector("style")!.TextContent, StringComparison.Ordinal);
        foreach (var id in new[] { "cover", "digest", "rules", "coverage", "declarations", "exceptions", "accounts", "policies", "audit-trail" })
        {
            Assert.NotNull(page.GetElementById(id));
        }
        Assert.All(page.QuerySelectorAll("table"), t =>
        {
            Assert.NotNull(t.QuerySelector("caption"));
            Assert.All(t.QuerySelectorAll("th"), th => Assert.Equal("col", th.GetAttribute("scope")));
        });
        // The formula-looking text is shown as text, encoded.
        Assert.Contains(page.QuerySelectorAll("#declarations-register td"), td => td.TextContent == Formula);

        var summary = JsonDocument.Parse(await (await b.School.As(Role.Governor)).GetStringAsync($"/api/schools/{b.School.Urn}/compliance")).RootElement;
        var rules = summary.GetProperty("rules").EnumerateArray().ToList();
        var rows = page.QuerySelectorAll("#rule-summary tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent).ToArray()).ToList();
        Assert.NotEmpty(rules);
        Assert.Equal(rules.Count, rows.Count);
        foreach (var rule in rules)
        {
            var row = Assert.Single(rows, r => r[0] == ComplianceWords.Rule(rule.GetProperty("rule").GetString()!));
            string[] figures = ["ok", "due", "overdue", "attention", "onLeave", "notStarted"];
            Assert.Equal(figures.Select(f => rule.GetProperty(f).GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)), row[1..]);
        }
        var outstanding = page.QuerySelectorAll("#coverage-social-media-outstanding tbody tr td:first-child").Select(c => c.TextContent).ToList();
        Assert.Contains(SupportWorker(b.School), outstanding);
        Assert.DoesNotContain(Teacher(b.School), outstanding);
    }

    [Fact]
    public async Task Every_register_parses_back_with_its_header_and_the_known_records()
    {
        var b = await BuiltAsync();
        Assert.Equal(PackReport.CsvFiles.Order(StringComparer.Ordinal), b.Files.Where(f => f.Name.EndsWith(".csv", StringComparison.Ordinal)).Select(f => f.Name).Order(StringComparer.Ordinal));
        var tables = PackReport.CsvFiles.ToDictionary(n => n, n => Csv(b[n]));

        var acknowledgements = tables["acknowledgements.csv"];
        Assert.Equal(AcknowledgementsHeader, acknowledgements.Header);
        var support = Assert.Single(acknowledgements.Rows, r => r["Person"] == SupportWorker(b.School));
        Assert.Equal("social-media", support["Policy"]);
        Assert.Equal("overdue", support["Status"]);
        Assert.Equal("2026-09-15", support["Due on"]);

        var declarations = tables["declarations.csv"];
        Assert.Equal("Item id", declarations.Header[0]);
        // The teacher's, approved: its texts were sealed under her shredded key, the adviser's and decider's names were not.
        Assert.Contains(declarations.Rows, r => r["Status"] == "approved" && r["DSL consulted by"] == $"Dsl of {b.School.Urn}"
            && r["Decided by"] == $"Headteacher of {b.School.Urn}" && r["Decision"] == "headteacher" && r["Decided at"].Length == 27);
        Assert.Contains(declarations.Rows, r => r["Person"] == $"Office of {b.School.Urn}" && r["DSL's advice"] == Advice && r["Status"] == "pending");
        // A formula is escaped so a spreadsheet shows it as text.
        Assert.Contains(declarations.Rows, r => r["Description"] == "'" + Formula);
        Assert.DoesNotContain(tables.Values.SelectMany(t => t.Rows).SelectMany(r => r.Values), v => v.Length > 0 && v[0] is '=' or '+' or '@');

        var policy = Assert.Single(tables["policies.csv"].Rows);
        Assert.Equal(("social-media", "Social Media Policy", "1", "2026-09-01", PeopleAndPolicyContractTests.Sha),
            (policy["Policy id"], policy["Title"], policy["Version"], policy["In force from"], policy["Document SHA-256"]));

        var trail = tables["audit-trail.csv"];
        Assert.Equal(TrailHeader, trail.Header);
        Assert.Contains(trail.Rows, r => r["Event type"] == "exception.approved.v1");
        Assert.All(trail.Rows, r => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", r["Recorded at"]));
        Assert.Equal(trail.Rows.Select(r => long.Parse(r["Position"], System.Globalization.CultureInfo.InvariantCulture)).Order(), trail.Rows.Select(r => long.Parse(r["Position"], System.Globalization.CultureInfo.InvariantCulture)));

        var accounts = tables["official-accounts.csv"];
        Assert.Equal(AccountsHeader, accounts.Header[..3]);
        Assert.Equal(b.Accounts.Select(a => a.ToString("D")), accounts.Rows.Select(r => r["Account id"]));
        var compliant = accounts.Rows[0];
        // The demo's compliant account, owned by the (shredded) teacher; a handle starting with @ is escaped like a formula.
        Assert.Equal(("youtube", "'@ScienceTST", "live", PackReport.Erased, "", "RA-SOC-01"),
            (compliant["Platform"], compliant["Handle"], compliant["State"], compliant["Owner"], compliant["Falls short of"], compliant["Risk assessment"]));
        Assert.Equal("account-credential-custody", accounts.Rows[3]["Falls short of"]);
        var custody = tables["credential-custody.csv"];
        Assert.Equal(CustodyHeader, custody.Header[..3]);
        Assert.Contains(custody.Rows, r => r["Account id"] == b.Accounts[0].ToString("D") && r["Custodian"] == $"Headteacher of {b.School.Urn}"
            && r["Current leadership"] == "yes" && r["Last rotated on"].Length == 10);
        Assert.Equal("", Assert.Single(custody.Rows, r => r["Account id"] == b.Accounts[3].ToString("D"))["Custodian"]);
        Assert.Contains(tables["compliance.csv"].Rows, r => r["Rule"] == "policy-review");
    }

    [Fact]
    public async Task A_shredded_person_reads_erased_under_retention_and_no_file_holds_ciphertext()
    {
        var b = await BuiltAsync();
        var pdf = await PdfTextAsync(b["report.pdf"]);
        var html = new HtmlParser().ParseDocument(b.Text("report.html"));

        Assert.Contains(PackReport.Erased, pdf, StringComparison.Ordinal);
        Assert.DoesNotContain(Teacher(b.School), pdf, StringComparison.Ordinal);
        Assert.Contains(html.QuerySelectorAll("#declarations-register td"), td => td.TextContent == PackReport.Erased);
        Assert.DoesNotContain(Teacher(b.School), html.Body!.TextContent, StringComparison.Ordinal);
        var declarations = Csv(b["declarations.csv"]);
        // The teacher's declaration: holder and description were sealed under her key.
        Assert.Contains(declarations.Rows, r => r["Person"] == PackReport.Erased && r["Description"] == PackReport.Erased);
        Assert.Contains(Csv(b["audit-trail.csv"]).Rows, r => r["What happened"].StartsWith($"{PackReport.Erased} acknowledged", StringComparison.Ordinal));
        foreach (var file in b.Files)
        {
            Assert.DoesNotContain("pd1:", Encoding.UTF8.GetString(file.Content), StringComparison.Ordinal);
            Assert.DoesNotContain(ShowAuditTrail.Erased, Encoding.UTF8.GetString(file.Content), StringComparison.Ordinal);
        }
        Assert.DoesNotContain("pd1:", pdf, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_period_with_no_events_still_builds_a_report_that_says_so()
    {
        var b = await BuiltAsync();
        var today = SchoolDay.Today(TimeProvider.System);
        // Live (the period ends after today) and "as of" (it ended before the school's first event).
        foreach (var (from, to) in new[] { (today.AddDays(30), today.AddDays(60)), (new DateOnly(2025, 1, 1), new DateOnly(2025, 3, 31)) })
        {
            var files = await PackReport.BuildAsync(Request(b.School.Urn, from, to), app.Services, null, CancellationToken.None);
            var pdf = await PdfTextAsync(Assert.Single(files, f => f.Name == "report.pdf").Content);
            Assert.Contains("No event was recorded in the period.", pdf, StringComparison.Ordinal);
            Assert.Contains($"{from.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture)} to", pdf, StringComparison.Ordinal);
            var html = new HtmlParser().ParseDocument(Encoding.UTF8.GetString(Assert.Single(files, f => f.Name == "report.html").Content));
            Assert.Contains("No event was recorded in the period.", html.GetElementById("audit-trail")!.NextElementSibling!.TextContent, StringComparison.Ordinal);
            var trail = Csv(Assert.Single(files, f => f.Name == "audit-trail.csv").Content);
            Assert.Equal("Position", trail.Header[0]);
            Assert.Empty(trail.Rows);
            Assert.True((await PdfPagesAsync(Assert.Single(files, f => f.Name == "report.pdf").Content)).Length >= 1);
        }
    }

    [Fact]
    public async Task A_trail_beyond_the_pdf_limit_is_counted_by_month_with_every_decision_and_stays_whole_in_the_html()
    {
        var start = new DateTimeOffset(2026, 9, 1, 8, 0, 0, TimeSpan.Zero);
        var lines = Enumerable.Range(1, 50_000).Select(i => new ShowAuditTrail.AuditLine(i, start.AddMinutes(i * 7), $"Person {i % 40}", null,
            i % 500 == 0 ? "exception.approved.v1" : "policy.acknowledged.v1", $"stream-{i}", $"Person {i % 40} acknowledged Policy {i % 9} v1")).ToList();
        var request = Request("999999", From, To);
        var data = ReportData.Empty(request, null, start) with { Trail = lines };

        var watch = Stopwatch.StartNew();
        var pdf = ReportPdf.Write(data);
        var pdfTime = watch.Elapsed;
        var html = ReportHtml.Write(data);

        Assert.True(pdfTime < TimeSpan.FromSeconds(3), $"the PDF took {pdfTime.TotalMilliseconds:0} ms");
        var text = await PdfTextAsync(pdf);
        Assert.Contains("The full trail is in audit-trail.csv and report.html.", text, StringComparison.Ordinal);
        Assert.Contains("Every decision in the period", text, StringComparison.Ordinal);
        var page = new HtmlParser().ParseDocument(Encoding.UTF8.GetString(html));
        Assert.Equal(50_000, page.QuerySelectorAll("#trail-events tbody tr").Length);
        Assert.Null(page.GetElementById("trail-months"));
    }

    [Fact]
    public async Task A_trail_at_the_pdf_limit_is_printed_whole_with_page_breaks_and_the_header_again()
    {
        var start = new DateTimeOffset(2026, 9, 1, 8, 0, 0, TimeSpan.Zero);
        var lines = Enumerable.Range(1, ReportContent.PdfTrailLimit).Select(i => new ShowAuditTrail.AuditLine(i, start.AddMinutes(i * 7), $"Person {i % 40}",
            null, "policy.acknowledged.v1", $"stream-{i}", $"Person {i % 40} acknowledged the Safeguarding and Child Protection Policy version {i % 9}, "
            + "a line long enough to wrap in its column of the printed table at least once")).ToList();
        var data = ReportData.Empty(Request("999998", From, To), null, start) with { Trail = lines };

        var watch = Stopwatch.StartNew();
        var pdf = ReportPdf.Write(data);
        var elapsed = watch.Elapsed;

        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"the PDF took {elapsed.TotalMilliseconds:0} ms");
        var text = await PdfTextAsync(pdf);
        Assert.Contains("2000 events were recorded in the period, oldest first.", text, StringComparison.Ordinal);
        Assert.Contains("Person 0 acknowledged the Safeguarding", text, StringComparison.Ordinal);
        Assert.DoesNotContain("audit-trail.csv", text, StringComparison.Ordinal);
        var pages = System.Text.RegularExpressions.Regex.Match(text, @"Page 1 of (\d+)");
        Assert.True(int.Parse(pages.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 20, text[..200]);
        Assert.True(System.Text.RegularExpressions.Regex.Count(text, "What happened") > 20, "the header is repeated on every page of the table");
    }

    sealed record Table(string[] Header, List<Dictionary<string, string>> Rows);

    static Table Csv(byte[] content)
    {
        using var reader = CsvReader.Create(content);
        var rows = new List<Dictionary<string, string>>();
        string[]? header = null;
        while (reader.Read())
        {
            header ??= [.. reader.Headers];
            rows.Add(header.Select((h, i) => (h, v: reader.GetString(i))).ToDictionary(p => p.h, p => p.v));
        }
        return new Table(header ?? [.. reader.Headers], rows);
    }

    static async Task<string> PdfTextAsync(byte[] pdf)
    {
        var path = Path.Combine(Path.GetTempPath(), $"report-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        try
        {
            // Lines as drawn, joined: a sentence may wrap in the PDF.
            return System.Text.RegularExpressions.Regex.Replace(await RunAsync("pdftotext", path, "-"), @"\s+", " ");
        }
        finally
        {
            File.Delete(path);
        }
    }

    static async Task<string[]> PdfPagesAsync(byte[] pdf)
    {
        var folder = Directory.CreateTempSubdirectory("report-pages-").FullName;
        var path = Path.Combine(folder, "report.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        await RunAsync("pdftoppm", "-png", "-r", "50", path, Path.Combine(folder, "page"));
        return Directory.GetFiles(folder, "page*.png");
    }

    static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program}: {await error}");
        return await output;
    }
}
