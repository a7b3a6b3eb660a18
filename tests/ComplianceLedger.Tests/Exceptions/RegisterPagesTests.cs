using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;

namespace ComplianceLedger.Tests.Exceptions;

/// <summary>The governors' registers of declared relationships and exceptions, as of any point, printable.</summary>
public sealed class RegisterPagesTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static async Task<IHtmlDocument> PageAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
        var page = new HtmlParser().ParseDocument(text);
        Assert.Single(page.QuerySelectorAll("h1"));
        Assert.Empty(page.QuerySelectorAll("script:not([src]), style, [style]"));
        return page;
    }

    [Fact]
    public async Task A_governor_reads_each_declaration_and_request_with_its_decision_but_not_its_description()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, ExceptionArrangements.Approved);
        var urn = arranged.School.Urn;
        var governor = await arranged.School.As(Role.Governor);
        var approvedAt = (await governor.GetFromJsonAsync<JsonElement>($"/api/schools/{urn}/compliance")).GetProperty("asOf").GetProperty("position").GetInt64();
        var request = await ExceptionArrangements.CreatedIdAsync(await arranged.School.As(Role.Teacher), $"/api/schools/{urn}/exceptions", ExceptionArrangements.Request);

        var relationships = await PageAsync(await governor.GetAsync($"/schools/{urn}/registers/relationships"));
        var row = Assert.Single(relationships.QuerySelectorAll("table.app-register tbody tr"));
        Assert.Equal(arranged["item"], row.GetAttribute("data-item"));
        Assert.Equal("Approved", row.QuerySelector(".govuk-tag")!.TextContent);
        Assert.Contains("No direct messaging.", row.TextContent, StringComparison.Ordinal);
        Assert.Contains($"Dsl of {urn}", row.TextContent, StringComparison.Ordinal);
        Assert.Contains($"Headteacher of {urn} (Headteacher)", row.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("nephew", relationships.Body!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("Low risk", relationships.Body!.TextContent, StringComparison.Ordinal);

        var exceptions = await PageAsync(await governor.GetAsync($"/schools/{urn}/registers/exceptions"));
        var pending = Assert.Single(exceptions.QuerySelectorAll("table.app-register tbody tr"));
        Assert.Equal(request, pending.GetAttribute("data-item"));
        Assert.Contains("awaiting a decision", pending.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("residential trip", exceptions.Body!.TextContent, StringComparison.Ordinal);

        // Before the approval, the declaration was waiting; before the request, there was none.
        var before = await PageAsync(await governor.GetAsync($"/schools/{urn}/registers/relationships?asOf={approvedAt - 1}"));
        Assert.Equal("Pending", Assert.Single(before.QuerySelectorAll("table.app-register tbody tr")).QuerySelector(".govuk-tag")!.TextContent);
        Assert.Equal($"As of {DateTime.UtcNow:d MMMM yyyy}, ledger position {approvedAt - 1}.", before.QuerySelector(".app-as-of")!.TextContent);
        Assert.Contains($"ledger position {approvedAt - 1}", before.QuerySelector(".app-print-only")!.TextContent, StringComparison.Ordinal);
        var then = await PageAsync(await governor.GetAsync($"/schools/{urn}/registers/exceptions?asOf={approvedAt}"));
        Assert.Empty(then.QuerySelectorAll("table.app-register tbody tr"));
        Assert.Contains("app-no-print", then.QuerySelector("input[name='asOf']")!.Closest("form")!.ClassList);
    }

    [Fact]
    public async Task Staff_may_not_read_the_registers_another_school_has_none_for_you_and_a_trust_leader_reads_them()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, ExceptionArrangements.Declared);
        var other = await UseCase.FreshSchoolAsync(app, ExceptionArrangements.Declared);
        var teacher = await arranged.School.As(Role.Teacher);
        var governor = await other.School.As(Role.Governor);
        var leader = await other.School.As(Role.TrustLeader);

        foreach (var register in new[] { "exceptions", "relationships" })
        {
            var path = $"/schools/{arranged.School.Urn}/registers/{register}";
            Assert.Equal(HttpStatusCode.Forbidden, (await teacher.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await governor.GetAsync(path)).StatusCode);
            await PageAsync(await leader.GetAsync(path));
        }
    }
}
