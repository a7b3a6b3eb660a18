using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using AngleSharp.Html.Dom;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using Npgsql;

namespace ComplianceLedger.Tests.Import;

/// <summary>The office's import page over real HTTP: upload, preview by row number, confirm, progress, result; bad uploads in plain words.</summary>
public sealed class ImportPagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static byte[] FileBytes(string name, [CallerFilePath] string here = "") => File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(here)!, "Files", name));

    /// <summary>Sends the upload form as a browser does: multipart, its token as drawn, the file as a file part.</summary>
    static Task<HttpResponseMessage> UploadAsync(HttpClient client, IHtmlDocument page, string? kind, string fileName, byte[] file)
    {
        var form = Assert.IsAssignableFrom<IHtmlFormElement>(page.QuerySelector("form[enctype='multipart/form-data']"));
        var content = new MultipartFormDataContent();
        foreach (var hidden in form.QuerySelectorAll("input[type=hidden]").OfType<IHtmlInputElement>())
        {
            content.Add(new StringContent(hidden.Value), hidden.Name!);
        }
        if (kind is not null)
        {
            Assert.NotNull(form.QuerySelector($"input[name=kind][value={kind}]"));
            content.Add(new StringContent(kind), "kind");
        }
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = $"\"{fileName}\"" };
        content.Add(part);
        return client.PostAsync(form.GetAttribute("action"), content);
    }

    async Task<long> ImportedEventsAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT count(*) FROM ledger.events WHERE tenant = $1 AND actor = 'system:ledger-import'");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    static string[] SummaryLinks(IHtmlDocument page) =>
        [.. page.QuerySelectorAll(".govuk-error-summary__list a").Select(a => a.GetAttribute("href") + " " + a.TextContent.Trim())];

    [Fact]
    public async Task The_office_uploads_sees_each_row_confirms_and_watches_the_import_to_its_result()
    {
        var school = await app.SchoolAsync("191001", Role.Headteacher, Role.Office);
        var office = await school.As(Role.Office);
        // The people page leads to it.
        var people = await office.GetPageAsync($"/schools/{school.Urn}/people");
        Assert.Equal($"/schools/{school.Urn}/import", people.QuerySelector("#import-link")?.GetAttribute("href"));

        var form = await office.GetPageAsync($"/schools/{school.Urn}/import");
        var preview = await HtmlPages.ParseAsync(await UploadAsync(office, form, "staff", "staff.csv", FileBytes("staff.csv")));
        Assert.Equal("Check what the file will do", preview.QuerySelector("h1")?.TextContent.Trim());
        var rows = preview.QuerySelectorAll("tbody tr").Select(r => string.Join(" | ", r.Children.Select(c => c.TextContent.Trim()))).ToList();
        // Row 4 is blank: the rows are numbered as the spreadsheet numbers them.
        Assert.Equal("2 | Will be written | will enrol Ana Smith (Teacher, from 2024-09-01)", rows[0]);
        Assert.Equal("5 | Will be written | will enrol Chloe Patel (Chair of Governors; Governor, from 2020-01-15)", rows[2]);
        Assert.Equal(4, rows.Count);
        Assert.Equal(0, await ImportedEventsAsync(school.Urn));

        // The confirmation names the file by its hash only.
        var confirm = Assert.IsAssignableFrom<IHtmlFormElement>(preview.QuerySelector("form[action$='/import/confirm']"));
        Assert.Equal("Import 4 rows", confirm.QuerySelector("button")?.TextContent.Trim());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(FileBytes("staff.csv"))), (confirm.QuerySelector("input[name=sha256]") as IHtmlInputElement)?.Value);
        var started = await office.SubmitAsync(preview, "form[action$='/import/confirm']");
        var progress = await HtmlPages.ParseAsync(started);
        Assert.Matches($"^/schools/{school.Urn}/import/[0-9a-f-]{{36}}$", started.RequestMessage!.RequestUri!.AbsolutePath);
        for (var i = 0; i < 100 && progress.QuerySelector("progress") is not null; i++)
        {
            // Without script: the page refreshes itself while the import runs.
            Assert.NotNull(progress.QuerySelector("meta[http-equiv=refresh]"));
            await Task.Delay(100);
            progress = await office.GetPageAsync(started.RequestMessage.RequestUri.AbsolutePath);
        }
        Assert.Equal("Import complete", progress.QuerySelector("h1")?.TextContent.Trim());
        Assert.Contains("4 rows written (8 entries in the ledger)", progress.QuerySelector(".govuk-panel__body")?.TextContent);
        Assert.Equal($"import:sha256:{Convert.ToHexStringLower(SHA256.HashData(FileBytes("staff.csv")))}", progress.QuerySelector("#import-correlation")?.TextContent);
        Assert.Equal(8, await ImportedEventsAsync(school.Urn));

        // The same file again: every row already there, nothing to confirm.
        var again = await HtmlPages.ParseAsync(await UploadAsync(office, await office.GetPageAsync($"/schools/{school.Urn}/import"), "staff", "staff.csv", FileBytes("staff.csv")));
        Assert.Null(again.QuerySelector("form[action$='/import/confirm']"));
        Assert.Contains("already imported from this file", again.QuerySelector("tbody")?.TextContent);
        Assert.Equal(8, await ImportedEventsAsync(school.Urn));
    }

    [Fact]
    public async Task A_file_with_errors_links_each_to_its_row_and_offers_nothing_to_import()
    {
        var school = await app.SchoolAsync("191002", Role.Headteacher);
        var head = await school.As(Role.Headteacher);
        var response = await UploadAsync(head, await head.GetPageAsync($"/schools/{school.Urn}/import"), "staff", "staff-errors.csv", FileBytes("staff-errors.csv"));
        var page = await HtmlPages.ParseAsync(response, HttpStatusCode.UnprocessableEntity);
        string[] expected =
        [
            "#row-3 Row 3, column roles: \"Caretaker\" is not a role; the roles are Headteacher, DSL, SLT",
            "#row-4 Row 4, column start_date: expected a date like 2024-09-01 or 01/09/2024, not \"09/13/2020\"",
            "#row-5 Row 5, column email: ana.smith@test.sch.uk is also in row 2: one row per person",
            "#row-6 Row 6, column start_date: expected a date like 2024-09-01 or 01/09/2024, not \"1/9/24\"",
        ];
        var links = SummaryLinks(page);
        Assert.Equal(expected.Length, links.Length);
        Assert.All(expected.Zip(links), pair => Assert.StartsWith(pair.First, pair.Second));
        foreach (var id in new[] { "row-3", "row-4", "row-5", "row-6" })
        {
            Assert.NotNull(page.GetElementById(id));
        }
        Assert.Null(page.QuerySelector("form[action$='/import/confirm']"));
        Assert.Equal(0, await ImportedEventsAsync(school.Urn));
    }

    [Theory]
    [InlineData(null, "staff.csv", "csv", "#kind Select what the file holds")]
    [InlineData("staff", "staff.pdf", "csv", "#file The selected file must be a CSV or an XLSX spreadsheet")]
    [InlineData("staff", "staff.csv", "empty", "#file The selected file is empty")]
    [InlineData("staff", "staff.xlsx", "noise", "#file The selected file cannot be read as a spreadsheet: The file is not a workbook Excel can open")]
    [InlineData("staff", "staff.csv", "large", "#file The selected file must be smaller than 5 MB")]
    public async Task A_bad_upload_is_named_in_plain_words_and_never_fails_the_page(string? kind, string fileName, string content, string expected)
    {
        var school = await app.SchoolAsync("191003", Role.Headteacher);
        var head = await school.As(Role.Headteacher, Transport.Socket);
        var bytes = content switch
        {
            "csv" => FileBytes("staff.csv"),
            "empty" => [],
            "noise" => RandomNumberGenerator.GetBytes(4096),
            _ => new byte[(5 * 1024 * 1024) + 1],
        };
        var response = await UploadAsync(head, await head.GetPageAsync($"/schools/{school.Urn}/import"), kind, fileName, bytes);
        var page = await HtmlPages.ParseAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith(expected, Assert.Single(SummaryLinks(page)));
        Assert.Equal(0, await ImportedEventsAsync(school.Urn));
    }

    [Fact]
    public async Task A_confirmation_names_a_held_file_by_its_hash_and_nothing_else_is_imported()
    {
        var school = await app.SchoolAsync("191004", Role.Headteacher);
        var head = await school.As(Role.Headteacher);
        var form = await head.GetPageAsync($"/schools/{school.Urn}/import");
        var preview = await HtmlPages.ParseAsync(await UploadAsync(head, form, "staff", "staff.csv", FileBytes("staff.csv")));
        // A hash no upload was held by (here: another file's), or no hash at all.
        foreach (var sha in new[] { Convert.ToHexStringLower(SHA256.HashData(FileBytes("staff-errors.csv"))), "../../etc/passwd" })
        {
            var refused = await head.SubmitAsync(preview, "form[action$='/import/confirm']", new Dictionary<string, string> { ["sha256"] = sha });
            var page = await HtmlPages.ParseAsync(refused, HttpStatusCode.BadRequest);
            Assert.Equal("#file The file is no longer held here: upload it again to see its preview", Assert.Single(SummaryLinks(page)));
        }
        Assert.Equal(0, await ImportedEventsAsync(school.Urn));
    }
}
