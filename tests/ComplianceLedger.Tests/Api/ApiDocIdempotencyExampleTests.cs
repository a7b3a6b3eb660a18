using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Api;

/// <summary>docs/api.md's Idempotency-Key example, run as written (its school and host swapped for the test's).</summary>
public sealed partial class ApiDocIdempotencyExampleTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    sealed record Curl(string Method, string Url, IReadOnlyList<(string Name, string Value)> Headers, string Body);

    static string Section(string heading)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "ComplianceLedger.sln")))
        {
            directory = directory.Parent;
        }
        var text = File.ReadAllText(Path.Combine(directory.FullName, "docs", "api.md"));
        var start = text.IndexOf($"## {heading}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/api.md has no section {heading}");
        var end = text.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    static Curl Parse(string section)
    {
        var block = CodeBlock().Match(section);
        Assert.True(block.Success, "the section has no curl example");
        var command = block.Groups["curl"].Value.Replace("\\\n", " ", StringComparison.Ordinal);
        var method = Regex.Match(command, @"-X (\w+)").Groups[1].Value;
        var url = Regex.Match(command, @"(https?://\S+)").Groups[1].Value;
        var headers = Regex.Matches(command, @"-H '([^:']+):\s*([^']*)'").Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        var body = Regex.Match(command, @"-d '([^']*)'").Groups[1].Value;
        return new Curl(method, url, headers, body);
    }

    static async Task<HttpResponseMessage> Run(HttpClient client, Curl curl, string urn, string? body = null)
    {
        var path = new Uri(curl.Url).PathAndQuery.Replace("/139001/", $"/{urn}/", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(curl.Method), path);
        request.Content = new StringContent(body ?? curl.Body, Encoding.UTF8);
        foreach (var (name, value) in curl.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task The_Idempotency_Key_example_answers_201_then_the_same_201_replayed_then_422_for_another_body()
    {
        var curl = Parse(Section("Idempotency-Key"));
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var teacher = await school.As(Role.Teacher);
        var before = await app.CountEventsAsync(school.Urn);

        var first = await Run(teacher, curl, school.Urn);
        var again = await Run(teacher, curl, school.Urn);
        var other = await Run(teacher, curl, school.Urn, curl.Body.Replace("nephew", "niece", StringComparison.Ordinal));

        Assert.True(first.StatusCode == HttpStatusCode.Created, await first.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        await UseCase.AssertProblem(other, HttpStatusCode.UnprocessableEntity, "the same key with another description");
        Assert.Equal(before + 1, await app.CountEventsAsync(school.Urn));
    }

    [GeneratedRegex(@"```\n(?<curl>curl [\s\S]*?)```")]
    private static partial Regex CodeBlock();
}
