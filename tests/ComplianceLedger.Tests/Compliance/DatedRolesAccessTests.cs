using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Compliance;

/// <summary>What a person may do follows the roles in effect today, not a change recorded for a later date.</summary>
public sealed class DatedRolesAccessTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static readonly string[] Governor = ["governor"];

    static readonly string[] Volunteer = ["volunteer"];

    [Fact]
    public async Task A_role_change_effective_in_30_days_leaves_todays_access_as_it_was()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var office = await school.As(Role.Office);
        var inThirtyDays = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        (await office.PutAsJsonAsync($"/api/schools/{school.Urn}/people/{school.People[Role.Teacher]}/roles", new { roles = Governor, effectiveOn = inThirtyDays }))
            .EnsureSuccessStatusCode();
        (await office.PutAsJsonAsync($"/api/schools/{school.Urn}/people/{school.People[Role.Governor]}/roles", new { roles = Volunteer, effectiveOn = inThirtyDays }))
            .EnsureSuccessStatusCode();

        // The dashboard is for governors and leadership: the teacher is not one yet, the governor still is.
        Assert.Equal(HttpStatusCode.Forbidden, (await (await school.As(Role.Teacher)).GetAsync($"/api/schools/{school.Urn}/compliance")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await school.As(Role.Governor)).GetAsync($"/api/schools/{school.Urn}/compliance")).StatusCode);

        // And every view of the person says so: their own, the register's entry, the list.
        var teacher = await school.As(Role.Teacher);
        Assert.Equal(["teacher"], Roles((await teacher.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("roles")));
        var entry = await teacher.GetFromJsonAsync<JsonElement>($"/api/schools/{school.Urn}/people/{school.People[Role.Teacher]}");
        Assert.Equal(["teacher"], Roles(entry.GetProperty("item").GetProperty("roles")));
        var list = await office.GetFromJsonAsync<JsonElement>($"/api/schools/{school.Urn}/people");
        var listed = list.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("personId").GetString() == school.People[Role.Governor].ToString());
        Assert.Equal(["governor"], Roles(listed.GetProperty("roles")));
    }

    static string[] Roles(JsonElement roles) => [.. roles.EnumerateArray().Select(r => r.GetString()!)];
}
