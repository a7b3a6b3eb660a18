using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AngleSharp.Html.Dom;
using ComplianceLedger.Api.Credentials;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Policies;

/// <summary>Publishing a policy version by uploading its document: the fingerprint is the file's, and staff read the same bytes back.</summary>
public sealed class PolicyAdminPagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    const string NewVersion = "/policies/online-safety/versions/new";

    async Task<TestSchool> SchoolAsync(Func<TestSchool, Task<Arranged>>? arrange = null) =>
        (await UseCase.FreshSchoolAsync(app, arrange ?? (s => Task.FromResult(new Arranged(s, new Dictionary<string, string>()))))).School;

    /// <summary>A document past the app's usual 256 KB body limit, with text in it that would be refused as a field.</summary>
    static byte[] Document()
    {
        var text = Encoding.UTF8.GetBytes("%PDF-1.7\nOnline safety policy. Example of what never to post: password: Hunter2hunter2\n");
        return [.. text, .. RandomNumberGenerator.GetBytes(300 * 1024)];
    }

    static readonly (string, string)[] Filled =
    [
        ("title", "Online Safety Policy"), ("versionLabel", "2026-27"), ("effectiveFromDay", "1"), ("effectiveFromMonth", "9"), ("effectiveFromYear", "2026"), ("reviewCycleYears", "1"),
        ("responsibleCommittee", "Full governing board"), ("audiences", "teacher"), ("audiences", "support-staff"),
        ("daysToAcknowledge", "14"), ("maxExceptionDays", "365"),
    ];

    /// <summary>Sends the upload form as a browser does: multipart, its hidden fields as drawn, the file as a file part.</summary>
    static Task<HttpResponseMessage> UploadAsync(
        HttpClient client, IHtmlDocument page, IEnumerable<(string Name, string Value)> fields, byte[]? file, bool withToken = true)
    {
        var form = Assert.IsAssignableFrom<IHtmlFormElement>(page.QuerySelector("form[enctype='multipart/form-data']"));
        var content = new MultipartFormDataContent();
        foreach (var hidden in form.QuerySelectorAll("input[type=hidden]").OfType<IHtmlInputElement>())
        {
            if (withToken || hidden.Name == "idempotencyKey")
            {
                content.Add(new StringContent(hidden.Value), hidden.Name!);
            }
        }
        foreach (var (name, value) in fields)
        {
            Assert.True(form.QuerySelector($"[name='{name}']") is not null, $"The upload form has no field {name}.");
            content.Add(new StringContent(value), name);
        }
        var part = new ByteArrayContent(file ?? []);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        // No file chosen: a browser still sends the part, with an empty file name.
        part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data")
        {
            Name = "\"document\"",
            FileName = file is null ? "\"\"" : "\"online-safety.pdf\"",
        };
        content.Add(part);
        return client.PostAsync(form.GetAttribute("action"), content);
    }

    [Fact]
    public async Task An_uploaded_documents_sha256_is_what_the_ledger_records_and_staff_read_the_same_bytes()
    {
        var school = await SchoolAsync();
        var head = await school.As(Role.Headteacher);
        var bytes = Document();

        var done = await UploadAsync(head, await head.GetPageAsync($"/schools/{school.Urn}{NewVersion}"), Filled, bytes);

        var list = await HtmlPages.ParseAsync(done);
        Assert.Equal($"/schools/{school.Urn}/policies", done.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.NotNull(list.QuerySelector(".govuk-notification-banner--success"));
        Assert.Contains("2026-27", list.QuerySelector("#policy-online-safety")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(1, await app.CountEventsAsync(school.Urn, "policy.version-published.v1"));
        await using var command = app.AppDataSource.CreateCommand(
            "SELECT data->>'documentSha256' FROM ledger.events WHERE tenant = $1 AND event_type = 'policy.version-published.v1'");
        command.Parameters.AddWithValue(school.Urn);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), (string?)await command.ExecuteScalarAsync());

        var teacher = await school.As(Role.Teacher);
        var served = await teacher.GetAsync($"/schools/{school.Urn}/policies/online-safety/versions/2026-27/document");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("application/pdf", served.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", served.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(bytes, await served.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_same_upload_sent_twice_is_published_once()
    {
        var school = await SchoolAsync();
        var head = await school.As(Role.Headteacher);
        var page = await head.GetPageAsync($"/schools/{school.Urn}{NewVersion}");
        var bytes = Document();

        var first = await UploadAsync(head, page, Filled, bytes);
        var second = await UploadAsync(head, page, Filled, bytes);

        Assert.Equal(first.RequestMessage!.RequestUri, second.RequestMessage!.RequestUri);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, await app.CountEventsAsync(school.Urn, "policy.version-published.v1"));
    }

    [Fact]
    public async Task A_secret_in_a_text_field_of_the_upload_is_still_refused_and_nothing_is_published()
    {
        var school = await SchoolAsync();
        var head = await school.As(Role.Headteacher);
        var page = await head.GetPageAsync($"/schools/{school.Urn}{NewVersion}");
        var fields = Filled.Select(f => f.Item1 == "responsibleCommittee" ? (f.Item1, "The password is Hunter2") : f);

        var refused = await HtmlPages.ParseAsync(await UploadAsync(head, page, fields, Document()), HttpStatusCode.BadRequest);

        Assert.Equal("Secret refused", refused.QuerySelector("h1")?.TextContent);
        Assert.Contains("responsibleCommittee", refused.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal(0, await app.CountEventsAsync(school.Urn, "policy.version-published.v1"));
    }

    [Fact]
    public async Task An_upload_without_its_antiforgery_token_is_refused_as_expired()
    {
        var school = await SchoolAsync();
        var head = await school.As(Role.Headteacher);
        var page = await head.GetPageAsync($"/schools/{school.Urn}{NewVersion}");

        var refused = await HtmlPages.ParseAsync(await UploadAsync(head, page, Filled, Document(), withToken: false), HttpStatusCode.BadRequest);

        Assert.Equal("This form has expired", refused.QuerySelector("h1")?.TextContent);
        Assert.Equal(0, await app.CountEventsAsync(school.Urn, "policy.version-published.v1"));
    }

    [Fact]
    public async Task An_upload_without_a_document_or_audience_is_asked_for_field_by_field_and_records_nothing()
    {
        var school = await SchoolAsync();
        var head = await school.As(Role.Headteacher);
        var page = await head.GetPageAsync($"/schools/{school.Urn}{NewVersion}");

        var again = await HtmlPages.ParseAsync(await UploadAsync(head, page,
            [("title", "Online Safety Policy"), ("daysToAcknowledge", "0")], null), HttpStatusCode.BadRequest);

        foreach (var field in new[] { "versionLabel", "document", "effectiveFrom", "reviewCycleYears", "responsibleCommittee", "audiences", "daysToAcknowledge", "maxExceptionDays" })
        {
            // A date's error links to its first wrong part (GOV.UK's date input).
            var link = field is "startedOn" or "effectiveFrom" ? $"{field}-day" : field;
            Assert.NotNull(again.QuerySelector($".govuk-error-summary a[href='#{link}']"));
            Assert.NotNull(again.QuerySelector($"#{field}"));
            Assert.NotNull(again.QuerySelector($"#{field}-error"));
        }
        Assert.Equal("Online Safety Policy", ((IHtmlInputElement)again.QuerySelector("#title")!).Value);
        Assert.Equal(0, await app.CountEventsAsync(school.Urn, "policy.version-published.v1"));
    }

    [Fact]
    public async Task A_version_published_without_a_file_says_the_office_holds_it_with_its_fingerprint()
    {
        var school = await SchoolAsync(PeopleAndPolicyContractTests.WithPolicy);
        var teacher = await school.As(Role.Teacher);

        var page = await teacher.GetPageAsync($"/schools/{school.Urn}/policies/social-media/versions/1/document");

        Assert.NotNull(page.QuerySelector("#held-by-office"));
        Assert.Equal(PeopleAndPolicyContractTests.Sha, page.QuerySelector("#document-sha256")?.TextContent);
        await teacher.GetPageAsync($"/schools/{school.Urn}/policies/social-media/versions/9/document", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_list_shows_each_policys_version_ratification_and_review_and_a_teacher_may_not_publish()
    {
        var school = await SchoolAsync(PeopleAndPolicyContractTests.WithPolicy);
        var teacher = await school.As(Role.Teacher);

        var list = await teacher.GetPageAsync($"/schools/{school.Urn}/policies");
        var row = list.QuerySelector("#policy-social-media")!.TextContent;
        Assert.Contains("1 September 2026", row, StringComparison.Ordinal);
        Assert.Contains("1 September 2027", row, StringComparison.Ordinal);
        Assert.Null(list.QuerySelector("a[href$='/versions/new']"));

        await teacher.GetPageAsync($"/schools/{school.Urn}/policies/social-media/versions/new", HttpStatusCode.Forbidden);

        var head = await school.As(Role.Headteacher);
        var form = await head.GetPageAsync($"/schools/{school.Urn}/policies/social-media/versions/new");
        Assert.Equal("Social Media Policy", ((IHtmlInputElement)form.QuerySelector("#title")!).Value);
        var api = JsonDocument.Parse(await head.GetStringAsync($"/api/schools/{school.Urn}/policies/social-media")).RootElement;
        Assert.Equal("1", api.GetProperty("item").GetProperty("currentVersion").GetString());
    }
    [Fact]
    public async Task The_guard_reads_a_multipart_forms_text_fields_and_passes_over_only_the_files_bytes()
    {
        static async Task<SecretGuard.Finding> InspectAsync(MultipartFormDataContent content) =>
            (await SecretGuard.InspectMultipartAsync(await content.ReadAsByteArrayAsync(), content.Headers.ContentType!.ToString(), "__RequestVerificationToken")).Finding;

        using var secretInFile = new MultipartFormDataContent { { new StringContent("Online Safety Policy"), "title" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes("password: Hunter2hunter2")), "document", "policy.txt" } };
        using var secretInField = new MultipartFormDataContent { { new StringContent("The password is Hunter2"), "title" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes("plain text")), "document", "policy.txt" } };
        using var secretName = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "password", "policy.txt" } };

        Assert.Equal(SecretGuard.Finding.None, await InspectAsync(secretInFile));
        Assert.Equal(SecretGuard.Finding.SecretValue, await InspectAsync(secretInField));
        Assert.Equal(SecretGuard.Finding.SecretMember, await InspectAsync(secretName));
    }

    [Fact]
    public async Task Only_the_upload_takes_a_large_body_and_even_it_refuses_one_past_20_MB()
    {
        // Kestrel's limits, so over a socket; a large body waits for 100-continue, as a real client's does,
        // so the server refuses it before it is sent instead of cutting the connection mid-upload.
        var school = await SchoolAsync();
        var head = await school.As(Role.Headteacher, Transport.Socket);
        head.DefaultRequestHeaders.ExpectContinue = true;
        var page = await head.GetPageAsync($"/schools/{school.Urn}{NewVersion}");
        var published = await UploadAsync(head, page, Filled, Document());
        Assert.Equal($"/schools/{school.Urn}/policies", published.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(1, await app.CountEventsAsync(school.Urn, "policy.version-published.v1"));

        var tooLarge = await UploadAsync(head, await head.GetPageAsync($"/schools/{school.Urn}{NewVersion}"),
            Filled.Select(f => f.Item1 == "versionLabel" ? (f.Item1, "2027-28") : f), new byte[21 * 1024 * 1024]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);

        var people = await head.GetPageAsync($"/schools/{school.Urn}/people");
        var large = await head.SubmitAsync(people, "form[action$='/people']", new Dictionary<string, string> { ["name"] = new('a', 300 * 1024) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal(1, await app.CountEventsAsync(school.Urn, "policy.version-published.v1"));
    }
}
