using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using ComplianceLedger.Api.Demo;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Exceptions;

/// <summary>
/// Preconditions for the declaration and exception use cases, made through the HTTP API by the
/// right people (a lapsed approval, which needs past dates, through the demo seeding).
/// </summary>
public static class ExceptionArrangements
{
    /// <summary>A date relative to today, as the API takes it (the app runs on the system clock).</summary>
    public static string Day(int fromToday) =>
        DateOnly.FromDateTime(DateTime.UtcNow).AddDays(fromToday).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static string Declaration => $$"""
        {"kind":"pupil-family","description":"My nephew, Sam, has joined Year 4 (Oak class).","onEntryOf":"pupil","enteredOn":"{{Day(0)}}"}
        """;

    public const string Request = """{"kind":"personal-contact","description":"Text parents from my own phone on the residential trip."}""";

    /// <summary>Posts and returns the new item's id, from the Location the API gives.</summary>
    public static async Task<string> CreatedIdAsync(HttpClient client, string path, string body)
    {
        var response = await client.PostAsync(path, Json(body));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.ToString().Split('/')[^1];
    }

    public static async Task PostOkAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    static Arranged With(Arranged a, string item) =>
        new(a.School, new Dictionary<string, string>(a.Ids) { ["item"] = item });

    static string Items(TestSchool school) => $"/api/schools/{school.Urn}/exceptions";

    /// <summary>The policy, and a teacher's declaration that her nephew joined Year 4.</summary>
    public static async Task<Arranged> Declared(TestSchool school)
    {
        var a = await PeopleAndPolicyContractTests.WithPolicy(school);
        return With(a, await CreatedIdAsync(await school.As(Role.Teacher), $"/api/schools/{school.Urn}/declarations", Declaration));
    }

    /// <summary>As <see cref="Declared"/>, with the DSL's advice recorded.</summary>
    public static async Task<Arranged> Advised(TestSchool school)
    {
        var a = await Declared(school);
        await PostOkAsync(await school.As(Role.Dsl), $"{Items(school)}/{a["item"]}/dsl-advice", new { advice = "Low risk; keep contact to family settings." });
        return a;
    }

    /// <summary>As <see cref="Advised"/>, approved by the head with a review in 100 days.</summary>
    public static async Task<Arranged> Approved(TestSchool school)
    {
        var a = await Advised(school);
        await PostOkAsync(await school.As(Role.Headteacher), $"{Items(school)}/{a["item"]}/approval", new { conditions = "No direct messaging.", until = Day(100) });
        return a;
    }

    /// <summary>The policy, and a teacher's request to use her own phone.</summary>
    public static async Task<Arranged> Requested(TestSchool school)
    {
        var a = await PeopleAndPolicyContractTests.WithPolicy(school);
        return With(a, await CreatedIdAsync(await school.As(Role.Teacher), Items(school), Request));
    }

    /// <summary>As <see cref="Requested"/>, approved until 30 days from today.</summary>
    public static async Task<Arranged> RequestApproved(TestSchool school)
    {
        var a = await Requested(school);
        await PostOkAsync(await school.As(Role.Headteacher), $"{Items(school)}/{a["item"]}/approval", new { conditions = "Trip hours only.", until = Day(30) });
        return a;
    }

    /// <summary>As <see cref="RequestApproved"/>, with an extension to 60 days from today asked for.</summary>
    public static async Task<Arranged> ExtensionAsked(TestSchool school)
    {
        var a = await RequestApproved(school);
        await PostOkAsync(await school.As(Role.Teacher), $"{Items(school)}/{a["item"]}/extension-requests", new { until = Day(60), reason = "A second trip." });
        return a;
    }

    /// <summary>The school's people by role name, as the demo seeding takes them.</summary>
    public static IReadOnlyDictionary<string, Guid> PeopleByKey(TestSchool school) =>
        school.People.ToDictionary(p => Roles.Name(p.Key), p => p.Value);

    /// <summary>The policy and the demo items; <c>item</c> is the relationship whose review date passed 30 days ago.</summary>
    public static async Task<Arranged> Lapsed(TestSchool school)
    {
        var a = await PeopleAndPolicyContractTests.WithPolicy(school);
        var items = await DemoExceptions.SeedAsync(school.App.Services, school.Urn, PeopleByKey(school), TimeProvider.System);
        return new Arranged(school, new Dictionary<string, string>(a.Ids) { ["item"] = items["review-overdue"].ToString() }
            .Concat(items.Select(i => KeyValuePair.Create(i.Key, i.Value.ToString()))).ToDictionary());
    }
}
