using System.Net;
using System.Text.RegularExpressions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Exceptions;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Access;

/// <summary>One school of the matrix world: its trust, its people (names carry the school's marker) and the ids its routes name.</summary>
public sealed record MatrixSchool(string Tag, TestSchool School, string TrustId, string Marker, IReadOnlyDictionary<string, string> Ids)
{
    public string Urn => School.Urn;
}

/// <summary>
/// The world the access matrix runs in, made once for the whole class: trust A with the home school
/// H (one person per role, who make every request) and a second school S, and trust B with school X.
/// Every school holds a policy, a declaration, an exception request and an official account, so a
/// route's ids name real records wherever it is sent.
/// </summary>
public sealed class AccessMatrixApp : LedgerApp
{
    public MatrixSchool Home { get; private set; } = null!;

    public MatrixSchool SameTrust { get; private set; } = null!;

    public MatrixSchool OtherTrust { get; private set; } = null!;

    /// <summary>Each role's session cookie at H (<c>ledger=…</c>).</summary>
    public IReadOnlyDictionary<Role, string> Sessions { get; private set; } = null!;

    /// <summary>Each role's antiforgery cookie and form token, for a page's form.</summary>
    public IReadOnlyDictionary<Role, (string Cookie, string Token)> FormTokens { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Home = await ArrangeAsync("H", "870101", "trust-matrix-a");
        SameTrust = await ArrangeAsync("S", "870102", "trust-matrix-a");
        OtherTrust = await ArrangeAsync("X", "870201", "trust-matrix-b");
        var sessions = new Dictionary<Role, string>();
        var tokens = new Dictionary<Role, (string, string)>();
        using var client = new HttpClient(Host.Server.CreateHandler()) { BaseAddress = Host.Server.BaseAddress };
        foreach (var role in UseCase.AllRoles)
        {
            sessions[role] = await SessionCookieAsync(Home.Urn, Home.School.People[role]);
            tokens[role] = await FormTokenAsync(client, sessions[role]);
        }
        (Sessions, FormTokens) = (sessions, tokens);
        await ProjectionsCaughtUpAsync();
    }

    async Task<MatrixSchool> ArrangeAsync(string tag, string urn, string trustId)
    {
        var marker = $"Quillmarker{tag}";
        await Setup.RegisterAsync(urn, $"Matrix School {tag}", trustId, $"Matrix Trust {trustId[^1..]}", [$"matrix{tag.ToLowerInvariant()}.sch.uk"],
            $"MX{tag}", "system:test");
        var people = new Dictionary<Role, Guid>();
        foreach (var role in UseCase.AllRoles)
        {
            people[role] = await Setup.EnrolAsync(urn, $"{role} {marker}", [role], new DateOnly(2025, 9, 1), "system:test");
        }
        var school = new TestSchool(this, urn, people);
        // Through the API with session cookies: a client from TestSchool.As follows the sign-in to a
        // home page, and not every role's home page is there yet.
        await SendAsync(urn, people[Role.Headteacher], $"/api/schools/{urn}/policies/social-media/versions", PeopleAndPolicyContractTests.PublishBody());
        var requested = await SendAsync(urn, people[Role.Teacher], $"/api/schools/{urn}/exceptions", ExceptionArrangements.Request);
        var account = await SendAsync(urn, people[Role.Slt], $"/api/schools/{urn}/official-accounts",
            OfficialAccountContractTests.RegisterBody(school, $"@Matrix{tag}", $"science@matrix{tag.ToLowerInvariant()}.sch.uk"));
        var ids = new Dictionary<string, string>
        {
            ["urn"] = urn,
            ["trustId"] = trustId,
            ["id"] = requested,
            ["accountId"] = account,
            ["personId"] = people[Role.Teacher].ToString(),
            ["policyId"] = "social-media",
            ["versionLabel"] = "1",
            ["position"] = "1",
            // No one's own event: every member's answer is the receipt's 404 (ReceiptDownloadTests downloads real ones).
            ["eventId"] = Guid.NewGuid().ToString("D"),
            // No one's build: every allowed role's answer is the pack's 404 (PackApiTests builds real ones).
            ["packId"] = Guid.NewGuid().ToString("D"),
            // No one's import: every allowed role's answer is the import's 404 (ImportPagesTests runs real ones).
            ["importId"] = Guid.NewGuid().ToString("D"),
            ["streamId"] = $"person-{people[Role.Teacher]}",
            ["documentName"] = "v1",
            ["provider"] = "local",
            ["**path"] = "robots.txt",
        };
        return new MatrixSchool(tag, school, trustId, marker, ids);
    }

    /// <summary>Posts as the person and insists on a 201; returns the last segment of its Location (the new record's id).</summary>
    async Task<string> SendAsync(string urn, Guid person, string path, string body)
    {
        using var client = new HttpClient(Host.Server.CreateHandler()) { BaseAddress = Host.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Cookie", await SessionCookieAsync(urn, person));
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!.OriginalString.Split('/')[^1];
    }

    /// <summary>The antiforgery pair a page's form carries for this person, read from a form page as a browser would.</summary>
    async Task<(string Cookie, string Token)> FormTokenAsync(HttpClient client, string session)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/schools/{Home.Urn}/declarations/new");
        request.Headers.Add("Cookie", session);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"the declaration form: {(int)response.StatusCode} {text}");
        var token = Regex.Match(text, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ledger.af=", StringComparison.Ordinal));
        Assert.False(string.IsNullOrEmpty(token), "the declaration form carries no antiforgery token");
        return (cookie[..cookie.IndexOf(';', StringComparison.Ordinal)], token);
    }
}
