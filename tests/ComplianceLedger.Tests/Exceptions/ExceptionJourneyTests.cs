using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.Demo;
using ComplianceLedger.Api.People;
using ComplianceLedger.EventStore.Projections;
using ComplianceLedger.Projections.Rules;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ComplianceLedger.Tests.Exceptions.ExceptionArrangements;

namespace ComplianceLedger.Tests.Exceptions;

/// <summary>Declarations and exception requests over HTTP: the jobs people do, and the rules' verdicts.</summary>
public sealed class ExceptionJourneyTests(LedgerApp app) : IClassFixture<LedgerApp>
{
    static string Base(TestSchool school) => $"/api/schools/{school.Urn}";

    static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>A register's rows, past the <c>asOf</c> every read carries.</summary>
    static async Task<JsonElement> Items(HttpResponseMessage response) => (await Json(response)).GetProperty("items");

    /// <summary>One register entry, past its <c>asOf</c>.</summary>
    static async Task<JsonElement> Item(HttpResponseMessage response) => (await Json(response)).GetProperty("item");

    [Fact]
    public async Task The_head_approves_a_teachers_declared_nephew_after_reading_the_DSLs_advice_and_the_teacher_sees_the_decision()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var (teacher, dsl, head) = (await school.As(Role.Teacher), await school.As(Role.Dsl), await school.As(Role.Headteacher));

        // The teacher declares that her nephew has joined Year 4.
        var id = await CreatedIdAsync(teacher, $"{Base(school)}/declarations", $$"""
            {"kind":"pupil-family","description":"My nephew Sam Jones has joined Year 4 (Oak class).","onEntryOf":"pupil","enteredOn":"{{Day(0)}}"}
            """);
        var queue = await Items(await head.GetAsync($"{Base(school)}/approvals"));
        Assert.Equal("dsl-advice", queue.EnumerateArray().Single(i => i.GetProperty("itemId").GetString() == id).GetProperty("awaiting").GetString());

        // The DSL records advice.
        await PostOkAsync(dsl, $"{Base(school)}/exceptions/{id}/dsl-advice", new { advice = "Low risk. Family contact only; no direct messaging about school." });

        // The head opens the queue: the declaration, in plain words, with the DSL's advice and the version to approve against.
        queue = await Items(await head.GetAsync($"{Base(school)}/approvals"));
        var item = queue.EnumerateArray().Single(i => i.GetProperty("itemId").GetString() == id);
        Assert.Equal("decision", item.GetProperty("awaiting").GetString());
        Assert.Equal("headteacher", item.GetProperty("decider").GetString());
        Assert.Equal($"Teacher of {school.Urn}", item.GetProperty("personName").GetString());
        Assert.Equal("pupil-family", item.GetProperty("kind").GetString());
        Assert.Equal("My nephew Sam Jones has joined Year 4 (Oak class).", item.GetProperty("description").GetString());
        Assert.Equal("Low risk. Family contact only; no direct messaging about school.", item.GetProperty("dslAdvice").GetString());
        Assert.Equal($"Dsl of {school.Urn}", item.GetProperty("dslConsultedByName").GetString());
        var version = item.GetProperty("version").GetInt64();

        // She approves with the condition and a review in 12 months, against the version she read.
        using var approval = new HttpRequestMessage(HttpMethod.Post, $"{Base(school)}/exceptions/{id}/approval")
        {
            Content = JsonContent.Create(new { conditions = "No direct messaging", until = Day(365) }),
        };
        approval.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        var approved = await head.SendAsync(approval);
        var result = await Json(approved);
        Assert.Equal($"\"{version + 1}\"", approved.Headers.ETag!.Tag);
        Assert.DoesNotContain((await Items(await head.GetAsync($"{Base(school)}/approvals"))).EnumerateArray(), i => i.GetProperty("itemId").GetString() == id);

        // The teacher sees the decision.
        var mine = (await Items(await teacher.GetAsync($"{Base(school)}/me/exceptions"))).EnumerateArray().Single();
        Assert.Equal("approved", mine.GetProperty("status").GetString());
        Assert.Equal("No direct messaging", mine.GetProperty("conditions").GetString());
        Assert.Equal(Day(365), mine.GetProperty("until").GetString());
        Assert.Equal($"Headteacher of {school.Urn}", mine.GetProperty("decidedByName").GetString());
        Assert.Equal("headteacher", mine.GetProperty("decidedAs").GetString());

        // The dashboard: decided, after the DSL's advice, by someone else, with the review date ahead; proved by ledger positions.
        var decision = result.GetProperty("positions")[0].GetInt64();
        foreach (var rule in new[] { ExceptionDecision.Rule, DslConsultation.Rule, ExceptionReview.Rule, SegregationOfDuties.Rule })
        {
            var verdicts = await Items(await head.GetAsync($"{Base(school)}/compliance/items?rule={rule}"));
            var verdict = verdicts.EnumerateArray().Single(v => v.GetProperty("scope").GetString() == id);
            Assert.Equal("ok", verdict.GetProperty("status").GetString());
            Assert.Equal(school.People[Role.Teacher].ToString(), verdict.GetProperty("personId").GetString());
            Assert.Contains(decision, verdict.GetProperty("proof").EnumerateArray().Select(p => p.GetInt64()));
        }
        var review = (await Items(await head.GetAsync($"{Base(school)}/compliance/items?rule={ExceptionReview.Rule}"))).EnumerateArray().Single();
        Assert.Equal(Day(365), review.GetProperty("dueOn").GetString());
    }

    [Fact]
    public async Task The_heads_own_request_goes_to_the_chair_and_nobody_decides_their_own()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var (head, chair, dsl) = (await school.As(Role.Headteacher), await school.As(Role.ChairOfGovernors), await school.As(Role.Dsl));
        var body = new { conditions = "No pupils named.", until = Day(90) };

        var own = await CreatedIdAsync(head, $"{Base(school)}/exceptions", """{"kind":"staff-blog","description":"A blog about headship."}""");
        await UseCase.AssertProblem(await head.PostAsJsonAsync($"{Base(school)}/exceptions/{own}/approval", body), HttpStatusCode.Forbidden, "own request");

        var chairsQueue = await Items(await chair.GetAsync($"{Base(school)}/approvals"));
        Assert.Equal("chair-of-governors", chairsQueue.EnumerateArray().Single().GetProperty("decider").GetString());
        await PostOkAsync(chair, $"{Base(school)}/exceptions/{own}/approval", body);

        // The chair decides only the head's own; the DSL cannot advise on their own declaration.
        var teachers = await CreatedIdAsync(await school.As(Role.Teacher), $"{Base(school)}/exceptions", Request);
        Assert.Empty((await Items(await chair.GetAsync($"{Base(school)}/approvals"))).EnumerateArray());
        await UseCase.AssertProblem(await chair.PostAsJsonAsync($"{Base(school)}/exceptions/{teachers}/approval", body), HttpStatusCode.Forbidden, "chair on others");
        await UseCase.AssertProblem(await chair.GetAsync($"{Base(school)}/exceptions/{teachers}"), HttpStatusCode.Forbidden, "chair reading others");
        var dslOwn = await CreatedIdAsync(dsl, $"{Base(school)}/declarations", Declaration);
        await UseCase.AssertProblem(await dsl.PostAsJsonAsync($"{Base(school)}/exceptions/{dslOwn}/dsl-advice", new { advice = "Fine." }),
            HttpStatusCode.Forbidden, "DSL on own");

        var verdict = (await Items(await head.GetAsync($"{Base(school)}/compliance/items?rule={SegregationOfDuties.Rule}"))).EnumerateArray().Single();
        Assert.Equal("ok", verdict.GetProperty("status").GetString());
    }

    [Fact]
    public async Task No_decision_without_the_DSL_nor_beyond_the_policys_maximum_nor_a_platform_without_a_risk_assessment()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Declared);
        var school = arranged.School;
        var head = await school.As(Role.Headteacher);

        var early = await head.PostAsJsonAsync($"{Base(school)}/exceptions/{arranged["item"]}/approval", new { conditions = "x", until = Day(30) });
        await UseCase.AssertProblem(early, HttpStatusCode.Conflict, "no DSL advice");
        Assert.Contains("DSL", (await Item(await head.GetAsync($"{Base(school)}/exceptions/{arranged["item"]}"))).GetProperty("awaiting").GetString(),
            StringComparison.OrdinalIgnoreCase);
        await UseCase.AssertProblem(await head.PostAsJsonAsync($"{Base(school)}/exceptions/{arranged["item"]}/refusal", new { reasons = "x" }),
            HttpStatusCode.Conflict, "decline without DSL");

        var platform = await CreatedIdAsync(await school.As(Role.Teacher), $"{Base(school)}/exceptions",
            """{"kind":"remote-learning-platform","description":"Revision videos on YouTube."}""");
        var tooLong = await head.PostAsJsonAsync($"{Base(school)}/exceptions/{platform}/approval", new { conditions = "x", until = Day(400), riskAssessmentReference = "RA-1" });
        await UseCase.AssertProblem(tooLong, HttpStatusCode.BadRequest, "beyond maximum");
        Assert.Contains("365 days", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await UseCase.AssertProblem(await head.PostAsJsonAsync($"{Base(school)}/exceptions/{platform}/approval", new { conditions = "x", until = Day(30) }),
            HttpStatusCode.BadRequest, "no risk assessment");
        await PostOkAsync(head, $"{Base(school)}/exceptions/{platform}/approval", new { conditions = "Comments off.", until = Day(30), riskAssessmentReference = "RA-2026-07" });
        Assert.Equal("RA-2026-07", (await Item(await head.GetAsync($"{Base(school)}/exceptions/{platform}"))).GetProperty("riskAssessmentReference").GetString());
    }

    [Fact]
    public async Task Without_a_social_media_policy_nothing_can_be_approved()
    {
        var school = (await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())))).School;
        var id = await CreatedIdAsync(await school.As(Role.Teacher), $"{Base(school)}/exceptions", Request);
        var response = await (await school.As(Role.Headteacher)).PostAsJsonAsync($"{Base(school)}/exceptions/{id}/approval", new { conditions = "x", until = Day(30) });
        await UseCase.AssertProblem(response, HttpStatusCode.Conflict, "no policy");
    }

    [Fact]
    public async Task An_extension_goes_through_the_same_decision_and_moves_the_expiry()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, ExtensionAsked);
        var school = arranged.School;
        var head = await school.As(Role.Headteacher);
        var item = (await Items(await head.GetAsync($"{Base(school)}/approvals"))).EnumerateArray().Single();
        Assert.Equal("extension-decision", item.GetProperty("awaiting").GetString());
        Assert.Equal(Day(60), item.GetProperty("extensionRequestedUntil").GetString());
        Assert.Equal("A second trip.", item.GetProperty("extensionReason").GetString());

        await PostOkAsync(head, $"{Base(school)}/exceptions/{arranged["item"]}/extension-approval", new { until = Day(45) });
        var mine = (await Items(await (await school.As(Role.Teacher)).GetAsync($"{Base(school)}/me/exceptions"))).EnumerateArray().Single();
        Assert.Equal(Day(45), mine.GetProperty("until").GetString());
        Assert.Equal("Trip hours only.", mine.GetProperty("conditions").GetString());
        Assert.Equal(JsonValueKind.Null, mine.GetProperty("awaiting").ValueKind);
    }

    [Fact]
    public async Task Only_the_holder_the_head_and_the_DSL_read_an_item_and_it_carries_its_ETag()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Advised);
        var path = $"{Base(arranged.School)}/exceptions/{arranged["item"]}";
        foreach (var role in new[] { Role.Teacher, Role.Headteacher, Role.Dsl })
        {
            var response = await (await arranged.School.As(role)).GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("\"2\"", response.Headers.ETag!.Tag);
        }
        await UseCase.AssertProblem(await (await arranged.School.As(Role.SupportStaff)).GetAsync(path), HttpStatusCode.Forbidden, "colleague");
        await UseCase.AssertProblem(await (await arranged.School.As(Role.Teacher)).GetAsync($"{Base(arranged.School)}/exceptions/{Guid.CreateVersion7()}"),
            HttpStatusCode.NotFound, "no such item");
        var elsewhere = await UseCase.FreshSchoolAsync(app, s => Task.FromResult(new Arranged(s, new Dictionary<string, string>())));
        await UseCase.AssertProblem(await (await elsewhere.School.As(Role.Headteacher)).GetAsync(path), HttpStatusCode.NotFound, "another school");
    }

    [Fact]
    public async Task The_approvals_queue_is_for_the_head_the_DSL_and_the_chair()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Declared);
        var path = $"{Base(arranged.School)}/approvals";
        foreach (var role in new[] { Role.Headteacher, Role.Dsl })
        {
            Assert.Single((await Items(await (await arranged.School.As(role)).GetAsync(path))).EnumerateArray());
        }
        Assert.Empty((await Items(await (await arranged.School.As(Role.ChairOfGovernors)).GetAsync(path))).EnumerateArray());
        foreach (var role in new[] { Role.Teacher, Role.Governor, Role.Office })
        {
            await UseCase.AssertProblem(await (await arranged.School.As(role)).GetAsync(path), HttpStatusCode.Forbidden, Roles.Name(role));
        }
    }

    [Fact]
    public async Task The_demo_seeds_every_state_and_the_dashboard_flags_the_overdue_and_the_lapsed()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Lapsed);
        var school = arranged.School;
        var head = await school.As(Role.Headteacher);
        string Status(string state) => state switch
        {
            "pending-dsl" or "pending-decision" => "pending",
            "approved" or "review-overdue" or "extension-requested" or "head-own-approved-by-chair" => "approved",
            _ => state,
        };
        foreach (var state in DemoExceptions.States)
        {
            var item = await Item(await head.GetAsync($"{Base(school)}/exceptions/{arranged[state]}"));
            Assert.Equal(Status(state), item.GetProperty("status").GetString());
        }

        var queue = (await Items(await head.GetAsync($"{Base(school)}/approvals"))).EnumerateArray()
            .ToDictionary(i => i.GetProperty("itemId").GetString()!, i => i.GetProperty("awaiting").GetString());
        Assert.Equal("dsl-advice", queue[arranged["pending-dsl"]]);
        Assert.Equal("decision", queue[arranged["pending-decision"]]);
        Assert.Equal("fresh-decision", queue[arranged["revoked"]]);
        Assert.Equal("extension-decision", queue[arranged["extension-requested"]]);
        Assert.Equal(4, queue.Count);

        var items = (await Items(await head.GetAsync($"{Base(school)}/compliance/items"))).EnumerateArray()
            .Select(v => (Rule: v.GetProperty("rule").GetString(), Scope: v.GetProperty("scope").GetString(), Status: v.GetProperty("status").GetString()))
            .ToList();
        Assert.Contains((ExceptionReview.Rule, arranged["review-overdue"], "overdue"), items);
        Assert.Contains((LapsedRelationship.Rule, arranged["revoked"], "attention"), items);
        Assert.Contains((ExceptionDecision.Rule, arranged["pending-dsl"], "due"), items);
        Assert.Contains((ExceptionReview.Rule, arranged["approved"], "ok"), items);
        Assert.DoesNotContain(items, i => i.Rule == ExceptionReview.Rule && i.Scope == arranged["expired"]);

        // Seeding again adds nothing.
        var before = await app.CountEventsAsync(school.Urn);
        var again = await DemoExceptions.SeedAsync(app.Services, school.Urn, PeopleByKey(school), TimeProvider.System);
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
        Assert.Equal(arranged["expired"], again["expired"].ToString());
    }

    [Fact]
    public async Task A_retried_declaration_is_recorded_once_and_points_at_the_same_item()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var teacher = await school.As(Role.Teacher);
        async Task<HttpResponseMessage> DeclareAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{Base(school)}/declarations") { Content = ExceptionArrangements.Json(Declaration) };
            request.Headers.Add("Idempotency-Key", "declare-nephew-1");
            return await teacher.SendAsync(request);
        }
        var first = await DeclareAsync();
        var before = await app.CountEventsAsync(school.Urn);
        var retry = await DeclareAsync();

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
    }

    [Fact]
    public async Task When_the_declarant_leaves_a_pending_declaration_is_no_longer_owed_a_decision()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Declared);
        var head = await arranged.School.As(Role.Headteacher);
        var path = $"{Base(arranged.School)}/compliance/items?rule={ExceptionDecision.Rule}";
        Assert.Equal("due", (await Items(await head.GetAsync(path))).EnumerateArray().Single().GetProperty("status").GetString());

        await PostOkAsync(head, $"{Base(arranged.School)}/people/{arranged["teacher"]}/leaving", new { leftOn = Day(0) });
        Assert.Empty((await Items(await head.GetAsync(path))).EnumerateArray());
    }

    [Fact]
    public async Task Rebuilding_the_read_models_gives_the_same_items_and_verdicts()
    {
        var arranged = await UseCase.FreshSchoolAsync(app, Lapsed);
        var urn = arranged.School.Urn;
        // The snapshot reads rm directly, so wait for the async verdicts as the HTTP clients do.
        await app.ProjectionsCaughtUpAsync();
        var live = await SnapshotAsync(urn);

        var services = app.Services;
        // The inline read models: this app runs no daemon, so its async verdicts are not live (ProjectionRebuildTests cover those).
        var projections = services.GetServices<IProjection>().ToList();
        await ProjectionRebuild.RunAsync(services.GetRequiredService<NpgsqlDataSource>(), projections,
            [.. projections.Where(p => p.Mode == ProjectionMode.Inline).Select(p => p.Name)], tenant: urn);

        var rebuilt = await SnapshotAsync(urn);
        Assert.NotEmpty(live);
        Assert.Equal(live, rebuilt);
    }

    async Task<List<string>> SnapshotAsync(string urn)
    {
        var rows = new List<string>();
        foreach (var sql in new[]
        {
            "SELECT to_jsonb(x)::text FROM rm.exceptions x WHERE tenant = $1 ORDER BY item_id",
            "SELECT to_jsonb(c)::text FROM rm.compliance c WHERE tenant = $1 ORDER BY rule, subject_id",
        })
        {
            await using var command = app.AdminDataSource.CreateCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }
        }
        return rows;
    }
}
