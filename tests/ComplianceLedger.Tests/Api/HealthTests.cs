using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Api;

public sealed class HealthTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    [Fact]
    public async Task Live_answers_without_touching_the_database()
    {
        var response = await app.Client().GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Ready_reports_the_database_after_migrations()
    {
        var report = await app.Client().GetFromJsonAsync<JsonElement>("/health/ready");
        Assert.Equal("Healthy", report.GetProperty("status").GetString());
        var checks = report.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(["database", "projections", "mail"], checks);
    }

    [Fact]
    public async Task The_checkpoint_endpoint_signs_the_schools_head_with_the_published_key()
    {
        var school = await app.SchoolAsync("300001", ComplianceLedger.Api.People.Role.Headteacher);
        var client = await school.As(ComplianceLedger.Api.People.Role.Headteacher);
        await client.PostAsync("/api/schools/300001/streams/s/events", new StringContent(
            """{"streamType":"person","events":[{"type":"policy.acknowledged.v1","data":{"policyId":"p","versionLabel":"1","documentSha256":"00","personId":"0190a0b0-0000-7000-8000-000000000002","method":"paper","acknowledgedAt":"2026-09-02T09:00:00Z","recordedBy":"person:office"}}]}""",
            System.Text.Encoding.UTF8, "application/json"));

        var created = await client.PostAsync("/api/schools/300001/checkpoints", null);
        var checkpoint = await created.Content.ReadFromJsonAsync<JsonElement>();
        var key = await client.GetFromJsonAsync<JsonElement>("/api/ledger/signing-key");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(checkpoint.GetProperty("position").GetInt64() >= 1);
        Assert.Equal(key.GetProperty("keyId").GetString(), checkpoint.GetProperty("keyId").GetString());
        // Another school's checkpoint is not this head's to ask for.
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/schools/300002/checkpoints", null)).StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_school_endpoints()
    {
        var document = await app.Client().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Contains("/api/schools/{urn}/people", paths);
        Assert.Contains("/api/schools/{urn}/policies/{policyId}/versions", paths);
        Assert.Contains("/api/schools/{urn}/policies/{policyId}/acknowledgements", paths);
        Assert.Contains("/api/schools/{urn}/compliance", paths);
        Assert.Contains("/api/trusts/{trustId}/compliance", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/dev/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_operation_declares_its_route_parameters_and_every_school_command_its_precondition_and_idempotency_headers()
    {
        var document = await app.Client().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var missing = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            var inRoute = System.Text.RegularExpressions.Regex.Matches(path.Name, "{([^}]+)}").Select(m => m.Groups[1].Value).ToList();
            foreach (var operation in path.Value.EnumerateObject())
            {
                var declared = operation.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Select(p => $"{p.GetProperty("in").GetString()} {p.GetProperty("name").GetString()}").ToList()
                    : [];
                var expected = inRoute.Select(name => $"path {name}").ToList();
                if (operation.Value.TryGetProperty("requestBody", out _) && path.Name.StartsWith("/api/schools/", StringComparison.Ordinal))
                {
                    expected.AddRange(["header If-Match", "header Idempotency-Key"]);
                }
                missing.AddRange(expected.Except(declared).Select(p => $"{operation.Name} {path.Name}: {p}"));
            }
        }

        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }
}
