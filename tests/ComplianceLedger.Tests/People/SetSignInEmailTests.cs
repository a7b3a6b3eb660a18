using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.SignIn;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.People;

/// <summary>The contract checks for setting a sign-in email: the office's, If-Match, another school's person, bad input.</summary>
public sealed class SetSignInEmailContractTests(LedgerApp app)
    : UseCaseContract<SetSignInEmailContractTests>(app), IClassFixture<LedgerApp>, IUseCaseCatalog
{
    static Task<Arranged> Nothing(TestSchool school) =>
        Task.FromResult(new Arranged(school, new Dictionary<string, string> { ["teacher"] = school.People[Role.Teacher].ToString() }));

    static IReadOnlyList<UseCase> IUseCaseCatalog.Catalog => Cases;

    public static readonly UseCase[] Cases =
    [
        new("set a sign-in email", Role.Office, Role.Teacher, Nothing,
            a => $"/api/schools/{a.School.Urn}/people/{a["teacher"]}/sign-in-email",
            a => $$"""{"email":"teacher.{{a.School.Urn}}@test.sch.uk"}""",
            [("missing email", "{}"), ("no @", """{"email":"teacher.test.sch.uk"}"""), ("two @", """{"email":"a@b@test.sch.uk"}"""),
             ("a space", """{"email":"a teacher@test.sch.uk"}"""), ("email as a number", """{"email":42}"""),
             ("255 characters", $$"""{"email":"{{new string('a', 243)}}@test.sch.uk"}""")],
            Method: HttpMethod.Put),
    ];
}

/// <summary>
/// PUT /api/schools/{urn}/people/{personId}/sign-in-email: the address sealed with the person's
/// key and its blind index, never in the clear; the same address again records nothing; refusals in plain words.
/// </summary>
public sealed class SetSignInEmailTests(LoggedLedgerApp app) : IClassFixture<LoggedLedgerApp>
{
    static int next = 846000;

    async Task<TestSchool> SchoolAsync() =>
        await app.SchoolAsync(Interlocked.Increment(ref next).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Role.Office, Role.Teacher, Role.Volunteer, Role.Headteacher);

    static string Path(TestSchool school, Role role) => $"/api/schools/{school.Urn}/people/{school.People[role]}/sign-in-email";

    static Task<HttpResponseMessage> PutAsync(HttpClient client, string path, string? email) =>
        client.PutAsJsonAsync(path, new { email });

    async Task<List<(string Index, Guid Person, string Sealed)>> RowsAsync(string urn)
    {
        await using var command = app.AdminDataSource.CreateCommand(
            "SELECT email_index, person_id, sealed_email FROM rm.sign_in_emails WHERE tenant = $1 ORDER BY position");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, Guid, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetGuid(1), reader.GetString(2)));
        }
        return rows;
    }

    /// <summary>Rows of the school's events, of the sign-in email table and the commands table that hold the text anywhere.</summary>
    async Task<long> PlainCopiesAsync(string urn, string text)
    {
        await using var command = app.AdminDataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM ledger.events WHERE tenant = $1 AND lower(data::text) LIKE '%' || $2 || '%')
                 + (SELECT count(*) FROM rm.sign_in_emails WHERE tenant = $1 AND lower(sealed_email || email_index) LIKE '%' || $2 || '%')
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text.ToLowerInvariant() });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    static async Task<string> DetailAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task The_office_sets_then_changes_an_email_sealed_and_indexed_and_the_old_address_no_longer_finds_them()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        var emails = app.Services.GetRequiredService<SignInEmails>();
        var vault = app.Services.GetRequiredService<PersonalDataVault>();
        var (first, second) = ($"Sam.Cole.{school.Urn}@Test.sch.uk", $"s.cole.{school.Urn}@test.sch.uk");

        var set = await PutAsync(office, Path(school, Role.Teacher), first);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.NotNull(set.Headers.ETag);
        var row = Assert.Single(await RowsAsync(school.Urn));
        Assert.Equal((emails.Index(first), school.People[Role.Teacher]), (row.Index, row.Person));
        // Sealed with the person's own key, lower-cased as sign-in compares it.
        Assert.Equal(school.People[Role.Teacher], PersonalDataVault.SubjectOf(row.Sealed));
        Assert.Equal(first.ToLowerInvariant(), await vault.OpenAsync(school.Urn, row.Sealed));

        var changed = await PutAsync(office, Path(school, Role.Teacher), second);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        row = Assert.Single(await RowsAsync(school.Urn));
        Assert.Equal(emails.Index(second), row.Index);
        Assert.Equal(2, await app.CountEventsAsync(school.Urn, "person.sign-in-email-set.v1"));

        // The office reads it back, opened; the address is nowhere in the clear, nor in any log line.
        var shown = await office.GetFromJsonAsync<SetSignInEmail.View>(Path(school, Role.Teacher));
        Assert.Equal(new SetSignInEmail.View(school.People[Role.Teacher], true, second), shown);
        Assert.Equal(0, await PlainCopiesAsync(school.Urn, $"cole.{school.Urn}"));
        Assert.DoesNotContain($"cole.{school.Urn}", app.Logs.All, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_same_address_again_in_other_case_records_nothing_and_answers_the_record_as_it_stands()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        var email = $"v.{school.Urn}@test.sch.uk";
        var first = await PutAsync(office, Path(school, Role.Volunteer), email);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var before = await app.CountEventsAsync(school.Urn);

        var again = await PutAsync(office, Path(school, Role.Volunteer), $"  {email.ToUpperInvariant()} ");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(first.Headers.ETag, again.Headers.ETag);
        var body = JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(0, body.GetProperty("positions").GetArrayLength());
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
        // With the version it answered, If-Match passes; with an older one it is refused.
        using var current = new HttpRequestMessage(HttpMethod.Put, Path(school, Role.Volunteer)) { Content = JsonContent.Create(new { email }) };
        current.Headers.IfMatch.Add(again.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, (await office.SendAsync(current)).StatusCode);
        using var stale = new HttpRequestMessage(HttpMethod.Put, Path(school, Role.Volunteer)) { Content = JsonContent.Create(new { email }) };
        stale.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await office.SendAsync(stale)).StatusCode);
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
    }

    [Fact]
    public async Task An_address_another_current_person_of_the_school_signs_in_with_is_refused_but_a_leavers_and_another_schools_are_not()
    {
        var school = await SchoolAsync();
        var other = await SchoolAsync();
        var office = await school.As(Role.Office);
        var email = $"shared.{school.Urn}@test.sch.uk";
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(office, Path(school, Role.Teacher), email)).StatusCode);
        var before = await app.CountEventsAsync(school.Urn);

        var refused = await DetailAsync(await PutAsync(office, Path(school, Role.Volunteer), email), HttpStatusCode.Conflict);

        Assert.Equal("Another person at this school already signs in with that email.", refused);
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
        // The same address at another school is that school's to give.
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(await other.As(Role.Office), Path(other, Role.Teacher), email)).StatusCode);
        // Once the teacher has left, the address is free for someone new, whose row replaces theirs.
        var left = await office.PostAsJsonAsync($"/api/schools/{school.Urn}/people/{school.People[Role.Teacher]}/leaving", new { leftOn = "2025-12-31" });
        Assert.Equal(HttpStatusCode.OK, left.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(office, Path(school, Role.Volunteer), email)).StatusCode);
        var row = Assert.Single(await RowsAsync(school.Urn));
        Assert.Equal(school.People[Role.Volunteer], row.Person);
    }

    [Fact]
    public async Task A_leaver_an_unknown_person_and_an_address_that_is_not_one_are_refused_in_plain_words_and_nothing_is_recorded()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        var left = await office.PostAsJsonAsync($"/api/schools/{school.Urn}/people/{school.People[Role.Volunteer]}/leaving", new { leftOn = "2025-12-31" });
        Assert.Equal(HttpStatusCode.OK, left.StatusCode);
        var before = await app.CountEventsAsync(school.Urn);

        Assert.Equal("The person has left the school.",
            await DetailAsync(await PutAsync(office, Path(school, Role.Volunteer), $"gone.{school.Urn}@test.sch.uk"), HttpStatusCode.Conflict));
        Assert.Equal("No such person at this school.", await DetailAsync(
            await PutAsync(office, $"/api/schools/{school.Urn}/people/{Guid.CreateVersion7()}/sign-in-email", $"nobody.{school.Urn}@test.sch.uk"),
            HttpStatusCode.NotFound));
        Assert.StartsWith("email must be", await DetailAsync(await PutAsync(office, Path(school, Role.Teacher), "not an address"), HttpStatusCode.BadRequest),
            StringComparison.Ordinal);
        Assert.StartsWith("email must be", await DetailAsync(await PutAsync(office, Path(school, Role.Teacher), null), HttpStatusCode.BadRequest),
            StringComparison.Ordinal);
        // A teacher may not set anyone's, their own included.
        await DetailAsync(await PutAsync(await school.As(Role.Teacher), Path(school, Role.Teacher), $"me.{school.Urn}@test.sch.uk"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await school.As(Role.Teacher)).GetAsync(Path(school, Role.Teacher))).StatusCode);
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
        Assert.Empty(await RowsAsync(school.Urn));
    }

    [Fact]
    public async Task A_person_whose_details_were_erased_gets_no_new_address()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        await app.Services.GetRequiredService<PersonalDataVault>().ShredAsync(school.Urn, school.People[Role.Teacher], "person:test");
        var before = await app.CountEventsAsync(school.Urn);

        var refused = await DetailAsync(await PutAsync(office, Path(school, Role.Teacher), $"erased.{school.Urn}@test.sch.uk"), HttpStatusCode.Conflict);

        Assert.Contains("personal details were erased", refused, StringComparison.Ordinal);
        Assert.Equal(before, await app.CountEventsAsync(school.Urn));
    }

    [Fact]
    public async Task A_retried_request_with_the_same_idempotency_key_replays_the_first_result()
    {
        var school = await SchoolAsync();
        var office = await school.As(Role.Office);
        var key = Guid.NewGuid().ToString("D");
        async Task<HttpResponseMessage> SendAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, Path(school, Role.Teacher))
            {
                Content = JsonContent.Create(new { email = $"retry.{school.Urn}@test.sch.uk" }),
            };
            request.Headers.Add("Idempotency-Key", key);
            return await office.SendAsync(request);
        }

        var first = await SendAsync();
        var second = await SendAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("positions").ToString(),
            (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("positions").ToString());
        Assert.Equal(1, await app.CountEventsAsync(school.Urn, "person.sign-in-email-set.v1"));
    }
}
