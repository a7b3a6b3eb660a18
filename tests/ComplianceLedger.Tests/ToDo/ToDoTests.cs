using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Exceptions;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using static ComplianceLedger.Tests.Exceptions.ExceptionArrangements;

namespace ComplianceLedger.Tests.ToDo;

/// <summary>Staff find what to do (the policy list and their to-do) and do it with only what those give them.</summary>
public sealed class ToDoTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static async Task<JsonElement> ItemsAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("items");
    }

    /// <summary>Sends a to-do's or policy's action exactly as given: method, link, body and If-Match.</summary>
    static async Task<HttpResponseMessage> ActAsync(HttpClient client, JsonElement action, Dictionary<string, string>? filledIn = null)
    {
        var body = action.GetProperty("body").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        foreach (var field in action.GetProperty("youFillIn").EnumerateArray().Select(f => f.GetString()!))
        {
            body[field] = filledIn![field];
        }
        using var request = new HttpRequestMessage(new HttpMethod(action.GetProperty("method").GetString()!), action.GetProperty("href").GetString())
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        if (action.GetProperty("ifMatch").GetString() is { } ifMatch)
        {
            request.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(ifMatch));
        }
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_teacher_acknowledges_the_current_version_using_only_the_policy_list_and_the_to_do_and_it_leaves_the_to_do()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var urn = arranged.School.Urn;
        var teacher = await arranged.School.As(Role.Teacher);

        var policy = Assert.Single((await ItemsAsync(teacher, $"/api/schools/{urn}/policies")).EnumerateArray());
        Assert.Equal("social-media", policy.GetProperty("policyId").GetString());
        Assert.Equal("Social Media Policy", policy.GetProperty("title").GetString());
        Assert.Equal("1", policy.GetProperty("versionLabel").GetString());
        Assert.Equal(PeopleAndPolicyContractTests.Sha, policy.GetProperty("documentSha256").GetString());
        Assert.Equal("2026-09-01", policy.GetProperty("effectiveFrom").GetString());
        Assert.Equal("2027-09-01", policy.GetProperty("nextReviewDue").GetString());
        Assert.False(policy.GetProperty("ratified").GetBoolean());
        Assert.True(policy.GetProperty("forYou").GetBoolean());
        Assert.Equal(JsonValueKind.Null, policy.GetProperty("yourAnswer").ValueKind);

        var todo = Assert.Single((await ItemsAsync(teacher, $"/api/schools/{urn}/me/to-do")).EnumerateArray());
        Assert.Equal("acknowledge", todo.GetProperty("kind").GetString());
        Assert.Equal("social-media", todo.GetProperty("policyId").GetString());
        Assert.Equal("2026-09-15", todo.GetProperty("dueOn").GetString()); // effective 1 September, 14 days to acknowledge
        Assert.Equal("overdue", todo.GetProperty("status").GetString());

        var response = await ActAsync(teacher, todo.GetProperty("action"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());

        Assert.Empty((await ItemsAsync(teacher, $"/api/schools/{urn}/me/to-do")).EnumerateArray());
        // As of the moment before, it was still to do.
        var acknowledgedAt = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("positions")[0].GetInt64();
        var before = Assert.Single((await ItemsAsync(teacher, $"/api/schools/{urn}/me/to-do?asOf={acknowledgedAt - 1}")).EnumerateArray());
        Assert.Equal("social-media", before.GetProperty("policyId").GetString());
        Assert.Equal("acknowledged", (await ItemsAsync(teacher, $"/api/schools/{urn}/policies"))[0].GetProperty("yourAnswer").GetString());
        // The policy list's own action is the same acknowledgement: sent again, it is already done.
        Assert.Equal(HttpStatusCode.Conflict, (await ActAsync(teacher, policy.GetProperty("acknowledge"))).StatusCode);
    }

    [Fact]
    public async Task A_person_with_nothing_due_has_an_empty_to_do()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var volunteer = await arranged.School.As(Role.Volunteer); // the policy is for teachers and support staff
        Assert.Empty((await ItemsAsync(volunteer, $"/api/schools/{arranged.School.Urn}/me/to-do")).EnumerateArray());
        var policy = Assert.Single((await ItemsAsync(volunteer, $"/api/schools/{arranged.School.Urn}/policies")).EnumerateArray());
        Assert.False(policy.GetProperty("forYou").GetBoolean());
    }

    [Fact]
    public async Task A_governors_and_a_teachers_to_do_differ_by_role()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy);
        var urn = arranged.School.Urn;
        var governance = PeopleAndPolicyContractTests.PublishBody()
            .Replace("Social Media Policy", "Governors' Code of Conduct", StringComparison.Ordinal)
            .Replace("[\"teacher\",\"support-staff\"]", "[\"governor\",\"chair-of-governors\"]", StringComparison.Ordinal);
        var head = await arranged.School.As(Role.Headteacher);
        var published = await head.PostAsync($"/api/schools/{urn}/policies/governors-code/versions", ExceptionArrangements.Json(governance));
        Assert.True(published.StatusCode == HttpStatusCode.Created, await published.Content.ReadAsStringAsync());

        static IEnumerable<string?> Policies(JsonElement items) => items.EnumerateArray().Select(i => i.GetProperty("policyId").GetString());
        Assert.Equal(["social-media"], Policies(await ItemsAsync(await arranged.School.As(Role.Teacher), $"/api/schools/{urn}/me/to-do")));
        Assert.Equal(["governors-code"], Policies(await ItemsAsync(await arranged.School.As(Role.Governor), $"/api/schools/{urn}/me/to-do")));
        // Both read the same list of policies.
        Assert.Equal(2, (await ItemsAsync(await arranged.School.As(Role.Governor), $"/api/schools/{urn}/policies")).GetArrayLength());
    }

    [Fact]
    public async Task An_exception_ending_soon_is_its_holders_to_renew_and_once_asked_it_waits_for_the_decision()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, RequestApproved); // approved until 30 days from today
        var urn = arranged.School.Urn;
        var teacher = await arranged.School.As(Role.Teacher);
        var renew = (await ItemsAsync(teacher, $"/api/schools/{urn}/me/to-do")).EnumerateArray().Single(i => i.GetProperty("kind").GetString() == "renew");
        Assert.Equal(arranged["item"], renew.GetProperty("itemId").GetString());
        Assert.Equal(Day(30), renew.GetProperty("dueOn").GetString());

        var response = await ActAsync(teacher, renew.GetProperty("action"), new Dictionary<string, string> { ["until"] = Day(60), ["reason"] = "A second trip." });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

        var after = (await ItemsAsync(teacher, $"/api/schools/{urn}/me/to-do")).EnumerateArray().Where(i => i.GetProperty("itemId").GetString() == arranged["item"]);
        var waiting = Assert.Single(after);
        Assert.Equal("waiting", waiting.GetProperty("kind").GetString());
        Assert.Equal("extension-decision", waiting.GetProperty("awaiting").GetString());
        // It is the teacher's own: the headteacher's to-do does not list it.
        Assert.DoesNotContain((await ItemsAsync(await arranged.School.As(Role.Headteacher), $"/api/schools/{urn}/me/to-do")).EnumerateArray(),
            i => i.GetProperty("itemId").GetString() == arranged["item"]);
    }
}
