using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Web;
using ComplianceLedger.Tests.UseCases;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ComplianceLedger.Tests.Access;

/// <summary>
/// The authorization matrix, generated from the app's own endpoints (never a hand list): every
/// route and method × every role × the person's own school, another school of their trust and a
/// school of another trust, and signed out, against <see cref="AccessRules"/>. Refused requests
/// write nothing at the other schools, and no answer about another school names its people
/// unless the rule lets the caller read it.
/// </summary>
[CollectionDefinition("access matrix")]
public sealed class AccessMatrixWorld : ICollectionFixture<AccessMatrixApp>;

[Collection("access matrix")]
public sealed partial class AccessMatrixTests(AccessMatrixApp app, ITestOutputHelper output)
{
    /// <summary>What the gate does with a request.</summary>
    public enum Outcome
    {
        /// <summary>Let through: whatever the handler then says, it is not a refusal by the gate.</summary>
        Passes,

        /// <summary>401 problem for the API, a redirect to /sign-in for a page.</summary>
        SignIn,

        Forbidden,

        /// <summary>"No such school" (or trust): someone else's records do not exist for you.</summary>
        NotFound,
    }

    sealed record Route(string Key, string Method, string Template, bool IsPage, bool Multipart = false);

    sealed record Case(AccessRule Rule, Route Route, Role? Role, MatrixSchool? Target)
    {
        public override string ToString() =>
            $"{Route.Key} as {(Role is { } r ? Roles.Name(r) : "signed out")}{(Target is null ? "" : $" at {Target.Tag}")}";
    }

    IReadOnlyList<Route> Routes() =>
        [.. from endpoint in app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            let template = endpoint.RoutePattern.RawText ?? ""
            let isPage = endpoint.Metadata.GetMetadata<LedgerPages.PageEndpoint>() is not null
            // An upload takes only multipart/form-data (routing answers 415 to anything else), as a browser sends it.
            let multipart = endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes.Contains("multipart/form-data") == true
            // A route mapped for every method (the health checks) is keyed ANY and asked with GET.
            from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"]
            // The built files (MapStaticAssets maps one route per file and its compressed copies,
            // named as the build fingerprints them): one rule for them all.
            let key = template.StartsWith('/') || template.StartsWith('{') ? template : StaticAsset
            select new Route($"{method} {key}", method, template, isPage, multipart)];

    /// <summary>How the rules name every built file's route.</summary>
    public const string StaticAsset = "(a built file)";

    [Fact]
    public void Every_route_has_an_access_rule_and_every_rule_a_route()
    {
        var routes = Routes();
        var rules = AccessRules.All.ToDictionary(r => r.Key);
        var problems = new List<string>();
        problems.AddRange(routes.Where(r => !rules.ContainsKey(r.Key))
            .Select(r => $"add an access rule for {r.Key} to AccessRules.All ({(r.IsPage ? "Page" : "Api")}(\"{r.Key}\", ...))"));
        problems.AddRange(rules.Keys.Where(k => routes.All(r => r.Key != k)).Select(k => $"the access rule for {k} matches no route: remove or correct it"));
        problems.AddRange(routes.Where(r => rules.TryGetValue(r.Key, out var rule) && rule.IsPage != r.IsPage)
            .Select(r => $"{r.Key} is {(r.IsPage ? "a page" : "no page")}: its rule says {(r.IsPage ? "Api" : "Page")}(...)"));
        problems.AddRange(AccessRules.All.GroupBy(r => r.Key).Where(g => g.Count() > 1).Select(g => $"two access rules for {g.Key}"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(routes.Count > 90, $"only {routes.Count} routes: the endpoint list is not the app's");
    }

    [Fact]
    public async Task Every_route_answers_every_role_at_every_school_and_signed_out_as_its_rule_says_and_leaks_nothing()
    {
        var clock = Stopwatch.StartNew();
        var rules = AccessRules.All.ToDictionary(r => r.Key);
        var routes = Routes();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        foreach (var route in routes.Where(r => !rules.ContainsKey(r.Key)))
        {
            failures.Add($"add an access rule for {route.Key}");
        }
        MatrixSchool[] schools = [app.Home, app.SameTrust, app.OtherTrust];
        Role?[] actors = [null, .. UseCase.AllRoles.Select(r => (Role?)r)];
        var cases = (from route in routes
                     where rules.ContainsKey(route.Key)
                     let targeted = Parameters(route.Template).Any(p => p is "urn" or "trustId")
                     from target in targeted ? schools.Select(s => (MatrixSchool?)s) : [null]
                     from role in actors
                     select new Case(rules[route.Key], route, role, target)).ToList();

        var watched = new[] { app.SameTrust, app.OtherTrust };
        var before = new Dictionary<string, long>();
        foreach (var school in schools)
        {
            before[school.Tag] = await app.CountEventsAsync(school.Urn);
        }
        var markersSeen = 0;
        using var client = new HttpClient(app.Host.Server.CreateHandler()) { BaseAddress = app.Host.Server.BaseAddress };

        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (@case, ct) =>
        {
            if (Path(@case) is not { } path)
            {
                failures.Add($"{@case.Route.Key} names a route parameter the matrix has no id for ({string.Join(", ", Parameters(@case.Route.Template).Where(p => !app.Home.Ids.ContainsKey(p)))}): "
                    + "arrange one in AccessMatrixApp and add it to each school's Ids");
                return;
            }
            var expected = Expected(@case);
            using var request = await RequestAsync(@case, path);
            using var response = await client.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            var actual = Judge(@case, response, body);
            if (actual != expected)
            {
                failures.Add($"{@case} ({request.Method} {path}): expected {expected}, got {(int)response.StatusCode} {Shorten(body)}");
            }
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"{@case} ({request.Method} {path}): a server error {(int)response.StatusCode} {Shorten(body)}");
            }
            if (@case.Target is { } target)
            {
                foreach (var other in watched)
                {
                    var mayRead = other == target && expected == Outcome.Passes;
                    if (body.Contains(other.Marker, StringComparison.Ordinal))
                    {
                        if (mayRead)
                        {
                            Interlocked.Increment(ref markersSeen);
                        }
                        else
                        {
                            failures.Add($"{@case} ({request.Method} {path}): the answer names a person of school {other.Tag} ({(int)response.StatusCode})");
                        }
                    }
                }
            }
        });

        foreach (var school in watched)
        {
            var after = await app.CountEventsAsync(school.Urn);
            if (after != before[school.Tag])
            {
                failures.Add($"school {school.Tag}'s ledger went from {before[school.Tag]} to {after} events: a refused or read-only request wrote there");
            }
        }
        output.WriteLine($"{cases.Count} cases over {routes.Count} routes in {clock.Elapsed.TotalSeconds:0.0} s; "
            + $"H's ledger {before["H"]} → {await app.CountEventsAsync(app.Home.Urn)} events; {markersSeen} permitted reads named another school's people");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} cases:\n{string.Join("\n", failures.OrderBy(f => f, StringComparer.Ordinal).Take(300))}");
        // The leak check can see a leak: a trust leader's permitted reads of S (its people) do name S's people.
        Assert.True(markersSeen > 0, "no permitted read named the other school's people: the marker check sees nothing");
    }

    static Outcome Expected(Case c)
    {
        var rule = c.Rule;
        if (c.Role is not { } role)
        {
            return rule.Gate == Gate.Public ? Outcome.Passes : Outcome.SignIn;
        }
        return rule.Gate switch
        {
            Gate.Public or Gate.SignedIn => Outcome.Passes,
            Gate.Trust => c.Target!.Tag != "X" && role == Role.TrustLeader ? Outcome.Passes : Outcome.NotFound,
            _ => c.Target!.Tag switch
            {
                "H" => rule.Admits(role) ? Outcome.Passes : Outcome.Forbidden,
                "S" when role == Role.TrustLeader => rule.ReadByTrustLeaders ? Outcome.Passes : Outcome.Forbidden,
                _ => Outcome.NotFound,
            },
        };
    }

    static Outcome? Judge(Case c, HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var location = response.Headers.Location?.OriginalString ?? "";
        var toSignIn = status is 302 or 303 && location.StartsWith("/sign-in", StringComparison.Ordinal);
        // Refusals keep their form: problem JSON for the API, a page for a page.
        var refusalForm = c.Route.IsPage ? mediaType == "text/html" : mediaType == "application/problem+json";
        return status switch
        {
            401 when !c.Route.IsPage && refusalForm => Outcome.SignIn,
            _ when toSignIn && c.Route.IsPage => Outcome.SignIn,
            403 when refusalForm => Outcome.Forbidden,
            404 when refusalForm && (body.Contains("No such school", StringComparison.Ordinal) || body.Contains("No such trust", StringComparison.Ordinal)) => Outcome.NotFound,
            401 or 403 => null,
            _ when toSignIn => null,
            _ => Outcome.Passes,
        };
    }

    [GeneratedRegex(@"\{([^}:?=]+)[^}]*\}")]
    private static partial Regex ParameterPattern();

    static IEnumerable<string> Parameters(string template) => ParameterPattern().Matches(template).Select(m => m.Groups[1].Value);

    /// <summary>The route with each parameter filled by name from the target school's ids (the home school's when it names none); null for a name with no id.</summary>
    string? Path(Case c)
    {
        var ids = (c.Target ?? app.Home).Ids;
        if (Parameters(c.Route.Template).Any(p => !ids.ContainsKey(p)))
        {
            return null;
        }
        return ParameterPattern().Replace(c.Route.Template, m => Uri.EscapeDataString(ids[m.Groups[1].Value]));
    }

    /// <summary>
    /// The request: a GET as it is; a write with a body that binds (so the role filter, which runs
    /// after binding, is reached) but that no handler accepts, and a stale If-Match, so that what
    /// passes the gate is still refused before anything is written; a page's form with its
    /// antiforgery token and no fields.
    /// </summary>
    async Task<HttpRequestMessage> RequestAsync(Case c, string path)
    {
        var method = c.Route.Method == "ANY" ? HttpMethod.Get : new HttpMethod(c.Route.Method);
        var request = new HttpRequestMessage(method, path);
        var cookies = new List<string>();
        if (c.Role is { } role)
        {
            cookies.Add(c.Rule.EndsSession ? await app.SessionCookieAsync(app.Home.Urn, app.Home.School.People[role]) : app.Sessions[role]);
        }
        if (method != HttpMethod.Get)
        {
            request.Headers.TryAddWithoutValidation("If-Match", "\"999999\"");
            if (c.Route.IsPage)
            {
                var fields = new Dictionary<string, string>();
                if (c.Role is { } r)
                {
                    var (cookie, token) = app.FormTokens[r];
                    cookies.Add(cookie);
                    fields["__RequestVerificationToken"] = token;
                }
                if (c.Route.Multipart)
                {
                    var parts = new MultipartFormDataContent();
                    foreach (var (name, value) in fields)
                    {
                        parts.Add(new StringContent(value), name);
                    }
                    request.Content = parts;
                }
                else
                {
                    request.Content = new FormUrlEncodedContent(fields);
                }
            }
            else
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }
        }
        if (cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", cookies));
        }
        return request;
    }

    static string Shorten(string text) => text.Length > 200 ? text[..200] + "…" : text;
}
