using System.Net;
using ComplianceLedger.Api.People;
using ComplianceLedger.Tests.Exceptions;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;

namespace ComplianceLedger.Tests.Api;

/// <summary>
/// Every 201 the API answers names a <c>Location</c> its maker can read: a valid request (the
/// use-case contracts' own) and then a GET of the Location as the same person answers 200.
/// </summary>
public sealed class LocationTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    /// <summary>The 201s outside the use-case catalogs: the ledger's own operations.</summary>
    static readonly UseCase[] LedgerCases =
    [
        new("issue a checkpoint", Role.Office, Role.Teacher, PeopleAndPolicyContractTests.WithPolicy,
            a => $"/api/schools/{a.School.Urn}/checkpoints", _ => "{}", [], HttpStatusCode.Created),
        new("append events directly", Role.Headteacher, Role.Teacher,
            s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())),
            a => $"/api/schools/{a.School.Urn}/streams/person-1/events",
            _ => """
                {"streamType":"person","events":[{"type":"policy.acknowledged.v1","data":{"policyId":"social-media","versionLabel":"3",
                 "documentSha256":"9f2c","personId":"0190a0b0-0000-7000-8000-000000000001","method":"in-app",
                 "acknowledgedAt":"2026-09-01T08:00:00Z","recordedBy":null}}]}
                """,
            [], HttpStatusCode.Created),
        // The test schools are all in trust-t1; each run brings in a school of its own.
        new("add a school to the trust", Role.TrustLeader, Role.Headteacher,
            s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())),
            _ => "/api/trusts/trust-t1/schools",
            _ => $$"""{"urn":"{{Interlocked.Increment(ref nextUrn)}}","name":"Riverside Academy","headteacherName":"Sam Okoro","headteacherEmail":"head@riverside.sch.uk"}""",
            [], HttpStatusCode.Created),
    ];

    static int nextUrn = 183000;

    static readonly UseCase[] Creating =
    [
        .. PeopleAndPolicyContractTests.Cases, .. ExceptionContractTests.Cases, .. OfficialAccountContractTests.Cases, .. LedgerCases,
    ];

    public static TheoryData<string> CreatingNames => [.. Creating.Where(c => c.Success == HttpStatusCode.Created).Select(c => c.Name)];

    [Theory, MemberData(nameof(CreatingNames))]
    public async Task The_Location_of_a_201_answers_200_to_the_person_who_made_the_record(string name)
    {
        var useCase = Creating.Single(c => c.Name == name);
        var arranged = await UseCase.FreshSchoolAsync(app, useCase.Arrange);
        var client = await arranged.School.As(useCase.Allowed);

        var created = await useCase.SendAsync(client, useCase.Path(arranged), useCase.Body(arranged));
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{name}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        var location = created.Headers.Location;
        Assert.NotNull(location);

        var read = await client.GetAsync(location);
        Assert.True(read.StatusCode == HttpStatusCode.OK, $"{name}: GET {location} answered {(int)read.StatusCode} {await read.Content.ReadAsStringAsync()}");
        Assert.Equal("application/json", read.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void Every_operation_that_can_answer_201_is_checked_above()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        var creating = from endpoint in endpoints
                       where endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>().Any(m => m.StatusCode == (int)HttpStatusCode.Created)
                       from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []
                       select (Method: method, Template: endpoint.RoutePattern.RawText!);
        creating = [.. creating];
        var arranged = new Arranged(new TestSchool(app, "139001", UseCase.AllRoles.ToDictionary(r => r, _ => Guid.Empty)),
            new AnyIds());
        var sent = Creating.Where(c => c.Success == HttpStatusCode.Created)
            .Select(c => (Method: (c.Method ?? HttpMethod.Post).Method, Path: c.Path(arranged))).ToList();

        var uncovered = creating.Where(op => !sent.Any(s => s.Method == op.Method
            && new TemplateMatcher(TemplateParser.Parse(op.Template), new RouteValueDictionary()).TryMatch(s.Path, new RouteValueDictionary()))).ToList();

        Assert.NotEmpty(sent);
        // And the other way: each case said to create hits an operation documented as creating.
        var strays = sent.Where(s => !creating.Any(op => s.Method == op.Method
            && new TemplateMatcher(TemplateParser.Parse(op.Template), new RouteValueDictionary()).TryMatch(s.Path, new RouteValueDictionary()))).ToList();
        Assert.True(strays.Count == 0, "cases whose operation is not documented as 201: " + string.Join(", ", strays.Select(s => $"{s.Method} {s.Path}")));
        Assert.True(uncovered.Count == 0, "201s with no case: " + string.Join(", ", uncovered.Select(op => $"{op.Method} {op.Template}")));
    }

    /// <summary>The arrangement's ids do not matter for matching a path to its template: any id will do.</summary>
    sealed class AnyIds : IReadOnlyDictionary<string, string>
    {
        const string Id = "0190a0b0-0000-7000-8000-000000000001";

        public string this[string key] => Id;

        public IEnumerable<string> Keys => [];

        public IEnumerable<string> Values => [];

        public int Count => 0;

        public bool ContainsKey(string key) => true;

        public bool TryGetValue(string key, out string value)
        {
            value = Id;
            return true;
        }

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Enumerable.Empty<KeyValuePair<string, string>>().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
