using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Api;

/// <summary>
/// Refusals speak the user's language: they name the field and what was expected there, never a
/// .NET type or the framework's own sentence, and quote no more than a short piece of the input.
/// </summary>
public sealed class ErrorWordsTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    async Task<(HttpClient Client, string Urn)> TeacherAsync(Transport transport = Transport.InMemory)
    {
        var school = await app.SchoolAsync("300851", Role.Headteacher, Role.Teacher);
        return (await school.As(Role.Headteacher, transport), school.Urn);
    }

    /// <summary>The problem's detail, once the answer is checked to be a problem in plain words.</summary>
    static async Task<string> ProblemDetail(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotMatch(FrameworkText, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString() ?? "";
    }

    internal const string FrameworkText = @"ComplianceLedger\.|System\.|Nullable<|   at |Did you mean|Failed to bind|Implicit body";

    [Fact]
    public async Task An_unknown_kind_names_the_field_and_lists_the_allowed_kinds()
    {
        var (client, urn) = await TeacherAsync();
        var response = await client.PostAsync($"/api/schools/{urn}/declarations",
            Json("""{"kind":"friend","description":"x","onEntryOf":"pupil","enteredOn":"2026-09-01"}"""));

        var detail = await ProblemDetail(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("kind:", detail, StringComparison.Ordinal);
        Assert.Contains("pupil-family", detail, StringComparison.Ordinal);
        Assert.Contains("other", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_date_in_a_nested_list_names_its_path_and_the_format()
    {
        var (client, urn) = await TeacherAsync();
        var response = await client.PostAsync($"/api/schools/{urn}/people",
            Json("""{"name":"A","roles":["teacher","janitor"],"startedOn":"2026-09-01"}"""));

        var detail = await ProblemDetail(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("roles[1]:", detail, StringComparison.Ordinal);
        Assert.Contains("headteacher", detail, StringComparison.Ordinal);

        var date = await ProblemDetail(await client.PostAsync($"/api/schools/{urn}/people",
            Json("""{"name":"A","roles":["teacher"],"startedOn":"1st September"}""")), HttpStatusCode.BadRequest);
        Assert.StartsWith("startedOn:", date, StringComparison.Ordinal);
        Assert.Contains("yyyy-MM-dd", date, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_value_deep_in_the_body_is_named_by_its_json_path()
    {
        var (client, urn) = await TeacherAsync();
        var detail = await ProblemDetail(await client.PostAsync($"/api/schools/{urn}/streams/notes-1/events",
            Json("""{"streamType":"notes","events":[{"type":"noted","data":{}},{"type":7,"data":{}}]}""")), HttpStatusCode.BadRequest);

        Assert.StartsWith("events[1].type: expected text", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_query_date_that_is_not_a_date_names_the_parameter_and_the_format()
    {
        var (client, urn) = await TeacherAsync();
        var detail = await ProblemDetail(await client.GetAsync($"/api/schools/{urn}/audit-trail?from=yesterday"), HttpStatusCode.BadRequest);

        Assert.StartsWith("from:", detail, StringComparison.Ordinal);
        Assert.Contains("yyyy-MM-dd", detail, StringComparison.Ordinal);
        Assert.Contains("\"yesterday\"", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("")]
    public async Task A_missing_body_says_which_fields_to_send(string body)
    {
        var (client, urn) = await TeacherAsync();
        var detail = await ProblemDetail(await client.PostAsync($"/api/schools/{urn}/people", Json(body)), HttpStatusCode.BadRequest);

        Assert.Contains("name, roles, startedOn", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_field_is_named_with_the_fields_the_operation_takes()
    {
        var (client, urn) = await TeacherAsync();
        var detail = await ProblemDetail(await client.PostAsync($"/api/schools/{urn}/people",
            Json("""{"name":"A","roles":["teacher"],"startedOn":"2026-09-01","nickname":"Al"}""")), HttpStatusCode.BadRequest);

        Assert.Contains("\"nickname\"", detail, StringComparison.Ordinal);
        Assert.Contains("name, roles, startedOn", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_sent_as_text_is_asked_for_as_json_in_plain_words()
    {
        var (client, urn) = await TeacherAsync();
        var response = await client.PostAsync($"/api/schools/{urn}/people", new StringContent("{}", Encoding.UTF8, "text/plain"));

        Assert.Contains("application/json", await ProblemDetail(response, HttpStatusCode.UnsupportedMediaType), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_five_thousand_digit_urn_is_not_echoed_back_whole()
    {
        var (client, _) = await TeacherAsync();
        var urn = new string('9', 5000);
        var response = await client.GetAsync($"/api/schools/{urn}/compliance");

        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is 400 or 404, text);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(new string('9', 101), text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("%00")]
    [InlineData("13%0090")]
    public async Task A_nul_in_the_urn_is_answered_with_problem_details(string segment)
    {
        // The in-memory server refuses a NUL before the app sees it; Kestrel hands it on.
        var (client, _) = await TeacherAsync(Transport.Socket);
        var response = await client.GetAsync($"/api/schools/{segment}/compliance");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotMatch(FrameworkText, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_path_with_raw_non_ascii_bytes_is_answered_with_problem_details()
    {
        // HttpClient would percent-encode the bytes: send them raw, as a careless client might.
        var uri = app.LoopbackAddress;
        using var socket = new TcpClient();
        await socket.ConnectAsync(uri.Host, uri.Port);
        var stream = socket.GetStream();
        var request = new List<byte>();
        request.AddRange("GET /api/schools/13900"u8.ToArray());
        request.AddRange([0xC3, 0xA9, 0xFF]);
        request.AddRange(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray());
        await stream.WriteAsync(request.ToArray());
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var answer = await reader.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/problem+json", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"status\":400", answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/sign-out")]
    [InlineData("/api/schools/139001/declarations")]
    public async Task A_body_claiming_gigabytes_is_refused_as_too_large_without_reserving_them(string path)
    {
        // Only the header claims the size; a few bytes follow. Reserving the claim was a 500 (out of memory).
        var uri = app.LoopbackAddress;
        using var socket = new TcpClient();
        await socket.ConnectAsync(uri.Host, uri.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2147483647\r\nConnection: close\r\n\r\n{{\"a\":1}}"));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var answer = await reader.ReadLineAsync(timeout.Token) ?? "";

        // Too large, or (a school's route, before its body is read) not signed in: never a 5xx.
        Assert.Matches("^HTTP/1.1 4(13|01) ", answer);
    }

    [Theory]
    [InlineData("""{"urn":"139001"}""")]
    [InlineData(null)]
    public async Task The_development_sign_in_refuses_json_or_no_body_with_a_client_error(string? body)
    {
        var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dev/sign-in") { Content = body is null ? null : Json(body) };
        var response = await client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
