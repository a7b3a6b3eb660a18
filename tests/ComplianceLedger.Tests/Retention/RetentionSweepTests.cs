using System.Net;
using System.Net.Http.Json;
using System.Text;
using ComplianceLedger.Api.Retention;
using ComplianceLedger.Cli;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Packs;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.EventStore.Verification;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.EvidencePacks;
using ComplianceLedger.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.Retention;

/// <summary>
/// The retention sweep on a real ledger: a leaver erased on the day they fall due and not the day
/// before, the erasure recorded once however often the sweep runs, a current person untouched, the
/// chain, a receipt issued before and a pack built after all verifying, and the readers and the
/// office page saying "erased under retention".
/// </summary>
public sealed class RetentionSweepTests(RetentionApp app) : IClassFixture<RetentionApp>, IDisposable
{
    static readonly DateOnly LeftOn = new(2019, 7, 31);
    static readonly DateOnly DueOn = new(2025, 7, 31);

    readonly List<string> files = [];

    public void Dispose() => files.ForEach(File.Delete);

    string TempFile(string text, string extension = ".json")
    {
        var path = Path.Combine(Path.GetTempPath(), $"retention-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(path, text);
        files.Add(path);
        return path;
    }

    PersonalDataVault Vault => app.Services.GetRequiredService<PersonalDataVault>();

    async Task<string?> NameAsync(string urn, Guid person)
    {
        await using var command = app.AdminDataSource.CreateCommand("SELECT sealed_name FROM rm.people WHERE tenant = $1 AND person_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = person });
        return await Vault.OpenAsync(urn, (string)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_leaver_is_erased_on_the_day_they_fall_due_once_and_everything_still_verifies()
    {
        var s = await app.SchoolAsync("trust-t1", LeftOn);
        // A receipt for the leaver's acknowledgement, issued before the erasure.
        var receiptFile = TempFile(s.LeaverReceipt);

        Assert.Empty(await app.Sweep.RunAsync(s.Urn, s.Trust, DueOn.AddDays(-1)));
        Assert.Equal($"Leaver of {s.Urn}", await NameAsync(s.Urn, s.Leaver));
        Assert.Empty(await app.ErasuresAsync(s.Urn));

        var erased = Assert.Single(await app.Sweep.RunAsync(s.Urn, s.Trust, DueOn));
        Assert.Equal((s.Leaver, "leaver-6y", DueOn), (erased.Subject, erased.Rule, erased.DueOn));
        Assert.Null(await NameAsync(s.Urn, s.Leaver));
        Assert.Equal($"Current of {s.Urn}", await NameAsync(s.Urn, s.Current));
        Assert.Equal((false, "retention:leaver-6y"), ((await app.KeyAsync(s.Urn, s.Leaver)).Live, (await app.KeyAsync(s.Urn, s.Leaver)).ShreddedBy));

        // Again that day and the next: nothing more.
        Assert.Empty(await app.Sweep.RunAsync(s.Urn, s.Trust, DueOn));
        Assert.Empty(await app.Sweep.RunAsync(DueOn.AddDays(1)));
        var (actor, stream, data) = Assert.Single(await app.ErasuresAsync(s.Urn));
        Assert.Equal((PersonalDataErased.Actor, PersonalDataErased.StreamId(s.Leaver)), (actor, stream));
        Assert.Equal(s.Leaver, data.GetProperty("personId").GetGuid());
        Assert.Equal("person", data.GetProperty("subjectKind").GetString());
        Assert.Equal("leaver-6y", data.GetProperty("rule").GetString());
        Assert.Equal("2025-07-31", data.GetProperty("dueOn").GetString());
        Assert.Contains("acknowledgements (the name on them)", data.GetProperty("records").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal((await app.KeyAsync(s.Urn, s.Leaver)).ShreddedAt, data.GetProperty("shreddedAt").GetDateTimeOffset());

        // The chain verifies, in code and through `ledger verify`; the receipt issued before still verifies.
        using var key = SigningKey.FromPem(app.SigningKeyPem);
        var publicKey = TempFile(key.PublicKeyPem(), ".pem");
        Assert.Empty((await new LedgerVerifier(app.AppDataSource).VerifyTenantAsync(s.Urn, new Dictionary<string, byte[]> { [key.KeyId] = key.PublicKey })).Problems);
        (await LedgerRun.RunAsync("verify", "--tenant", s.Urn, "--public-key", publicKey, "--connection", app.AppConnectionString))
            .ShouldExitWith(ExitCodes.Success).ShouldContain($"tenant {s.Urn}: ").ShouldContain(": OK");
        (await LedgerRun.RunAsync("verify-receipt", receiptFile, "--public-key", publicKey))
            .ShouldExitWith(ExitCodes.Success).ShouldContain(": OK");

        // A pack built after the erasure verifies offline and reads "erased under retention".
        var zip = await PackFiles.BuildAsync(app, s.Urn);
        var verified = PackFiles.Verify(zip, key);
        Assert.True(verified.Intact, string.Join("\n", verified.Problems));
        var pack = PackFiles.Read(zip);
        Assert.Contains(pack.EventLines, l => l.Contains("personal-data.erased.v1", StringComparison.Ordinal));
        Assert.Contains(pack.EventLines, l => l.Contains(PackLedger.Erased, StringComparison.Ordinal));
        Assert.All(pack.Entries, e => Assert.DoesNotContain($"Leaver of {s.Urn}", Encoding.UTF8.GetString(pack[e.Name]), StringComparison.Ordinal));
        var packFile = Path.Combine(Path.GetTempPath(), $"retention-{Guid.NewGuid():N}.zip");
        File.WriteAllBytes(packFile, zip);
        files.Add(packFile);
        (await LedgerRun.RunAsync("verify-pack", packFile, "--public-key", publicKey)).ShouldExitWith(ExitCodes.Success).ShouldContain(": OK");
    }

    [Fact]
    public async Task Readers_say_erased_under_retention_for_retention_and_erased_for_any_other_erasure()
    {
        var s = await app.SchoolAsync("trust-t1", LeftOn);
        Assert.Single(await app.Sweep.RunAsync(s.Urn, s.Trust, DueOn));
        // The current teacher erased on request, not by retention.
        Assert.True(await Vault.ShredAsync(s.Urn, s.Current, "person:test"));
        await app.ProjectionsCaughtUpAsync();
        var office = await app.ClientFor(s.Urn, s.Office);

        var people = await office.GetPageAsync($"/schools/{s.Urn}/people");
        var names = people.QuerySelectorAll("#people tbody tr td:first-child").Select(td => td.TextContent.Trim()).ToList();
        Assert.Contains(ErasedWords.UnderRetention, names);
        Assert.Contains("(erased)", names);
        Assert.DoesNotContain($"Leaver of {s.Urn}", names);
        // The office finds the retention report from the people page.
        Assert.NotNull(people.QuerySelector($"#retention-link a[href='/schools/{s.Urn}/retention']"));
        Assert.Contains(ErasedWords.UnderRetention, (await office.GetPageAsync($"/schools/{s.Urn}/people/{s.Leaver}")).Body!.TextContent, StringComparison.Ordinal);
        var person = await office.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/schools/{s.Urn}/people/{s.Leaver}");
        Assert.Equal(ErasedWords.UnderRetention, person.GetProperty("item").GetProperty("name").GetString());

        var trail = (await office.GetPageAsync($"/schools/{s.Urn}/audit-trail?limit=200")).Body!.TextContent;
        Assert.Contains($"the system (retention) erased the personal data of {ErasedWords.UnderRetention} under retention rule leaver-6y, due on 31 July 2025", trail, StringComparison.Ordinal);
        Assert.Contains($"{ErasedWords.UnderRetention} acknowledged", trail, StringComparison.Ordinal);
        Assert.Contains("(erased) acknowledged", trail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_office_page_lists_what_was_erased_what_falls_due_and_the_table_with_its_sources()
    {
        var s = await app.SchoolAsync("trust-t1", LeftOn);
        // A second leaver, falling due later: counted under the month it falls due.
        var office = await app.ClientFor(s.Urn, s.Office);
        var later = await app.Setup.EnrolAsync(s.Urn, $"Later of {s.Urn}", [ComplianceLedger.Api.People.Role.SupportStaff], new DateOnly(2015, 1, 5), "system:test");
        var left = await office.PostAsJsonAsync($"/api/schools/{s.Urn}/people/{later}/leaving", new { leftOn = "2024-03-15" });
        Assert.Equal(HttpStatusCode.OK, left.StatusCode);
        Assert.Single(await app.Sweep.RunAsync(s.Urn, s.Trust, DueOn));

        var page = await office.GetPageAsync($"/schools/{s.Urn}/retention");
        var erased = Assert.Single(page.QuerySelectorAll("#erased-table tbody tr"));
        var cells = erased.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
        Assert.StartsWith(ErasedWords.UnderRetention + " (teacher, left 31 July 2019)", cells[1], StringComparison.Ordinal);
        Assert.Contains("acknowledgements", cells[2], StringComparison.Ordinal);
        Assert.Equal(("leaver-6y", "31 July 2025"), (cells[3], cells[4]));
        var next = page.QuerySelectorAll("#next-table tbody tr").Select(r => string.Join("|", r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()))).ToList();
        Assert.Contains("March 2030|leaver-6y|1", next);
        Assert.Contains("3 kept while current", page.QuerySelector("#kept")!.TextContent, StringComparison.Ordinal);
        var rules = page.QuerySelectorAll("#rules tbody tr").Select(r => r.TextContent).ToList();
        Assert.Equal(5, rules.Count);
        Assert.Contains(rules, r => r.Contains("leaver-6y", StringComparison.Ordinal) && r.Contains("termination of employment + 6 years", StringComparison.Ordinal));
        Assert.Contains("In force for the trust trust-t1.", page.Body!.TextContent, StringComparison.Ordinal);

        // The office, SLT and the head read it; a teacher may not.
        var teacher = await app.ClientFor(s.Urn, s.Current);
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.GetAsync($"/schools/{s.Urn}/retention")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await app.ClientFor(s.Urn, s.Head)).GetAsync($"/schools/{s.Urn}/retention")).StatusCode);
    }

    [Fact]
    public async Task A_key_shredded_before_a_crash_gets_its_event_at_the_next_run_and_only_once()
    {
        var s = await app.SchoolAsync("trust-t1", LeftOn);
        // The run that crashed: the key shredded under the rule, the event never appended.
        Assert.True(await Vault.ShredAsync(s.Urn, s.Leaver, "retention:leaver-6y"));
        var shreddedAt = (await app.KeyAsync(s.Urn, s.Leaver)).ShreddedAt;
        Assert.Empty(await app.ErasuresAsync(s.Urn));

        var repaired = Assert.Single(await app.Sweep.RunAsync(s.Urn, s.Trust, DueOn.AddDays(1)));
        Assert.Equal((s.Leaver, "leaver-6y", DueOn), (repaired.Subject, repaired.Rule, repaired.DueOn));
        Assert.Empty(await app.Sweep.RunAsync(s.Urn, s.Trust, DueOn.AddDays(2)));
        var (_, _, data) = Assert.Single(await app.ErasuresAsync(s.Urn));
        Assert.Equal(shreddedAt, data.GetProperty("shreddedAt").GetDateTimeOffset());
        // Two sweeps at once record it once too.
        var t = await app.SchoolAsync("trust-t1", LeftOn);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => app.Sweep.RunAsync(t.Urn, t.Trust, DueOn)));
        Assert.Single(await app.ErasuresAsync(t.Urn));
    }

    [Fact]
    public async Task A_trusts_override_moves_the_date_and_shows_on_the_office_page_with_its_reason()
    {
        var s = await app.SchoolAsync(RetentionApp.OverrideTrust, LeftOn);
        Assert.Empty(await app.Sweep.RunAsync(s.Urn, s.Trust, new DateOnly(2022, 7, 30)));
        var erased = Assert.Single(await app.Sweep.RunAsync(s.Urn, s.Trust, new DateOnly(2022, 7, 31)));
        Assert.Equal(("leaver-3y", new DateOnly(2022, 7, 31)), (erased.Rule, erased.DueOn));
        Assert.Equal("retention:leaver-3y", (await app.KeyAsync(s.Urn, s.Leaver)).ShreddedBy);
        Assert.Equal($"Current of {s.Urn}", await NameAsync(s.Urn, s.Current));

        var rules = (await (await app.ClientFor(s.Urn, s.Office)).GetPageAsync($"/schools/{s.Urn}/retention")).QuerySelectorAll("#rules tbody tr").ToList();
        var leaver = rules.Single(r => r.TextContent.Contains("leaver-3y", StringComparison.Ordinal)).TextContent;
        Assert.Contains("3 years (trust's own)", leaver, StringComparison.Ordinal);
        Assert.Contains($"Trust override: {RetentionApp.OverrideReason}", leaver, StringComparison.Ordinal);
        Assert.Contains(rules, r => r.TextContent.Contains("governor-6y", StringComparison.Ordinal));
    }
}
