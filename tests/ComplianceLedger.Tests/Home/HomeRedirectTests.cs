using System.Net;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Home;

/// <summary>The service's address leads each person to their role's home page, by the roles the ledger gives them today.</summary>
public sealed class HomeRedirectTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    async Task<string?> HomeOfAsync(string urn, Guid personId)
    {
        var cookie = await app.SessionCookieAsync(urn, personId);
        using var client = app.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", cookie);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location?.OriginalString;
    }

    [Theory]
    [InlineData(Role.Headteacher, "approvals")]
    [InlineData(Role.ChairOfGovernors, "approvals")]
    [InlineData(Role.Dsl, "advice")]
    [InlineData(Role.Governor, "dashboard")]
    [InlineData(Role.Office, "accounts")]
    [InlineData(Role.Teacher, "to-do")]
    [InlineData(Role.SupportStaff, "to-do")]
    [InlineData(Role.Slt, "to-do")]
    public async Task Each_role_is_led_to_its_home_page(Role role, string page)
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;

        Assert.Equal($"/schools/{school.Urn}/{page}", await HomeOfAsync(school.Urn, school.People[role]));
    }

    [Fact]
    public async Task A_trust_leader_is_led_to_their_trusts_dashboard()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;

        Assert.Equal("/trusts/trust-t1", await HomeOfAsync(school.Urn, school.People[Role.TrustLeader]));
    }

    [Fact]
    public async Task Someone_with_several_roles_goes_to_the_first_that_applies_and_a_role_change_moves_them_at_once()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var person = await app.Setup.EnrolAsync(school.Urn, $"Governor and office of {school.Urn}", [Role.Office, Role.Governor], new DateOnly(2025, 9, 1), "system:test");
        Assert.Equal($"/schools/{school.Urn}/dashboard", await HomeOfAsync(school.Urn, person));

        var office = await school.As(Role.Office);
        var changed = await office.PutAsync($"/api/schools/{school.Urn}/people/{person}/roles", new StringContent(
            $$"""{"roles":["office"],"effectiveOn":"{{DateTime.UtcNow:yyyy-MM-dd}}"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync());

        Assert.Equal($"/schools/{school.Urn}/accounts", await HomeOfAsync(school.Urn, person));
    }
}
