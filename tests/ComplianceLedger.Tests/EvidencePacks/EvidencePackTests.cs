using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ComplianceLedger.Api.People;
using ComplianceLedger.Cli;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Packs;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.EvidencePacks;

/// <summary>
/// A school's evidence pack as the builder writes it, checked by <c>ledger verify-pack</c>'s
/// verifier with no database: whole, it verifies; every file and every event line altered, removed
/// or added is caught and named.
/// </summary>
public sealed class EvidencePackTests(LedgerApp app) : IClassFixture<LedgerApp>, IDisposable
{
    readonly List<string> files = [];
    readonly SigningKey key = SigningKey.FromPem(app.SigningKeyPem);

    public void Dispose()
    {
        files.ForEach(File.Delete);
        key.Dispose();
    }

    string TempFile(byte[] content, string extension = ".zip")
    {
        var path = Path.Combine(Path.GetTempPath(), $"pack-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(path, content);
        files.Add(path);
        return path;
    }

    /// <summary>A school with a policy and a teacher's acknowledgement, recorded through the API.</summary>
    async Task<TestSchool> SchoolWithHistoryAsync()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var teacher = await school.As(Role.Teacher);
        var ack = await teacher.PostAsJsonAsync($"/api/schools/{school.Urn}/policies/social-media/acknowledgements",
            new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha });
        Assert.True(ack.IsSuccessStatusCode, await ack.Content.ReadAsStringAsync());
        return school;
    }

    async Task<long> EventsAsync(string urn)
    {
        await using var command = app.AppDataSource.CreateCommand("SELECT count(*) FROM ledger.events WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_fresh_pack_verifies_with_the_schools_key_and_holds_every_event_of_the_period_with_its_proof()
    {
        var school = await SchoolWithHistoryAsync();
        var zip = await PackFiles.BuildAsync(app, school.Urn);

        var result = PackFiles.Verify(zip, key);
        Assert.True(result.Intact, string.Join("\n", result.Problems));
        Assert.Empty(result.Warnings);

        var pack = PackFiles.Read(zip);
        var total = await EventsAsync(school.Urn);
        Assert.Equal(total, result.EventsChecked);
        var manifest = pack.Manifest;
        Assert.Equal(PackManifest.FormatName, manifest["format"]!.GetValue<string>());
        Assert.Equal(1, manifest["events"]!["first"]!.GetValue<long>());
        Assert.Equal(total, manifest["events"]!["last"]!.GetValue<long>());
        Assert.Equal(total, manifest["events"]!["inPeriod"]!.GetValue<long>());
        Assert.Equal(total, pack.EventLines.Count);
        var lastLine = JsonNode.Parse(pack.EventLines[^1])!;
        Assert.Equal("policy.acknowledged.v1", lastLine["eventType"]!.GetValue<string>());
        Assert.NotEmpty(lastLine["proof"]!.AsArray());
        Assert.StartsWith($"ComplianceLedger digest for school URN {school.Urn}", pack.Text(PackLedger.DigestFile));
        Assert.Contains(key.KeyId, pack.Text(PackLedger.TreeHeadFile));
        Assert.Equal(key.PublicKeyPem() + "\n", pack.Text(PackLedger.PublicKeyFile));
        // Every file but the manifest and its signature is listed, with its hash.
        var listed = manifest["files"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(pack.Entries.Select(e => e.Name).Where(n => n is not ("manifest.json" or "manifest.sig")).Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public async Task Without_a_key_the_pack_is_checked_against_its_own_and_says_what_that_proves()
    {
        var school = await SchoolWithHistoryAsync();
        var result = PackFiles.Verify(await PackFiles.BuildAsync(app, school.Urn), trusted: null);
        Assert.True(result.Intact, string.Join("\n", result.Problems));
        Assert.Contains(result.Warnings, w => w.Contains($"its own public key (key id {key.KeyId})") && w.Contains("board minutes"));
    }

    [Fact]
    public async Task Flipping_any_byte_of_any_file_fails_and_names_the_file()
    {
        var school = await SchoolWithHistoryAsync();
        var zip = await PackFiles.BuildAsync(app, school.Urn);
        var names = PackFiles.Read(zip).Entries.Select(e => e.Name).ToList();
        Assert.Contains("events.jsonl", names);
        var random = new Random(20261207);
        foreach (var name in names)
        {
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var pack = PackFiles.Read(zip);
                var content = (byte[])pack[name].Clone();
                var at = random.Next(content.Length);
                content[at] ^= (byte)(1 << random.Next(8));
                pack[name] = content;

                var result = PackFiles.Verify(pack.Zip(), key);
                Assert.False(result.Intact, $"flipping byte {at} of {name} went unnoticed");
                Assert.True(result.Problems.Any(p => p.Split(": ")[0].Split(" or ").Contains(name) || p.StartsWith($"{name} line", StringComparison.Ordinal)),
                    $"flipping byte {at} of {name}: the problems do not name it:\n{string.Join("\n", result.Problems)}");
            }
        }
    }

    [Fact]
    public async Task Deleting_an_event_line_fails_as_incomplete_even_with_the_manifest_re_signed()
    {
        var school = await SchoolWithHistoryAsync();
        var pack = PackFiles.Read(await PackFiles.BuildAsync(app, school.Urn));
        var lines = pack.EventLines;
        var removed = JsonNode.Parse(lines[3])!["chainPosition"]!.GetValue<long>();
        lines.RemoveAt(3);
        pack[PackLedger.EventsFile] = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
        pack.ResignManifest(key);

        var result = PackFiles.Verify(pack.Zip(), key);
        Assert.False(result.Intact);
        Assert.Contains(result.Problems, p => p.Contains($"position {removed} is missing") && p.Contains("incomplete"));

        // Claiming the shorter range in the manifest does not help: the chain no longer links.
        pack.ResignManifest(key, m =>
        {
            m["events"]!["count"] = lines.Count;
            m["events"]!["inPeriod"] = lines.Count;
            m["events"]!["last"] = m["events"]!["last"]!.GetValue<long>() - 1;
        });
        var again = PackFiles.Verify(pack.Zip(), key);
        Assert.False(again.Intact);
        Assert.Contains(again.Problems, p => p.StartsWith("events.jsonl line 4", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_event_altered_with_its_hash_recomputed_fails_at_its_position()
    {
        var school = await SchoolWithHistoryAsync();
        var pack = PackFiles.Read(await PackFiles.BuildAsync(app, school.Urn));
        var lines = pack.EventLines;
        var line = JsonNode.Parse(lines[^1])!.AsObject();
        var position = line["chainPosition"]!.GetValue<long>();
        line["actor"] = "person:00000000-0000-0000-0000-000000000001";
        line["hash"] = Convert.ToHexStringLower(ComplianceLedger.EventStore.Chain.ChainHash.Link(
            Convert.FromHexString(line["previousHash"]!.GetValue<string>()), position, line["streamVersion"]!.GetValue<long>(),
            ComplianceLedger.EventStore.Chain.ChainHash.Digest(new ComplianceLedger.EventStore.Chain.EventContent(
                line["tenant"]!.GetValue<string>(), line["streamId"]!.GetValue<string>(), Guid.Parse(line["eventId"]!.GetValue<string>()),
                line["eventType"]!.GetValue<string>(), line["data"]!.GetValue<string>(), line["actor"]!.GetValue<string>(),
                null, null, line["commandId"]?.GetValue<string>(), DateTimeOffset.Parse(line["recordedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)))));
        lines[^1] = line.ToJsonString();
        pack[PackLedger.EventsFile] = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
        pack.ResignManifest(key);

        var result = PackFiles.Verify(pack.Zip(), key);
        Assert.False(result.Intact);
        Assert.Contains(result.Problems, p => p.Contains($"(position {position})") && p.Contains("inclusion proof"));
    }

    [Fact]
    public async Task A_pack_signed_by_a_key_not_given_fails_as_untrusted()
    {
        var school = await SchoolWithHistoryAsync();
        using var other = SigningKey.Generate();
        var result = PackFiles.Verify(await PackFiles.BuildAsync(app, school.Urn), other);
        Assert.False(result.Intact);
        Assert.Contains(result.Problems, p => p.Contains($"signed by key {key.KeyId}, which is not a key you gave"));
    }

    [Fact]
    public async Task An_added_file_and_a_removed_one_are_named()
    {
        var school = await SchoolWithHistoryAsync();
        var pack = PackFiles.Read(await PackFiles.BuildAsync(app, school.Urn));
        pack.Entries.Add(("extra.csv", "a,b\n"u8.ToArray()));
        pack.Entries.RemoveAll(e => e.Name == PackLedger.DigestFile);
        var result = PackFiles.Verify(pack.Zip(), key);
        Assert.Contains(result.Problems, p => p.StartsWith("extra.csv: in the pack but not in the manifest", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("digest.txt: listed in the manifest but missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_period_holds_only_the_positions_from_its_first_event_to_its_last()
    {
        var school = await SchoolWithHistoryAsync();
        var today = SchoolDay.Today(TimeProvider.System);
        // Yesterday and before: nothing was recorded then at a school created today.
        var empty = await PackFiles.BuildAsync(app, school.Urn, new PackPeriod(today.AddDays(-10), today.AddDays(-1), AsOf: false));
        var result = PackFiles.Verify(empty, key);
        Assert.True(result.Intact, string.Join("\n", result.Problems));
        Assert.Equal(0, result.EventsChecked);
        Assert.Empty(PackFiles.Read(empty).EventLines);

        var asOf = await PackFiles.BuildAsync(app, school.Urn, new PackPeriod(today, today, AsOf: true));
        var whole = PackFiles.Verify(asOf, key);
        Assert.True(whole.Intact, string.Join("\n", whole.Problems));
        Assert.Equal(await EventsAsync(school.Urn), whole.EventsChecked);
    }

    [Fact]
    public async Task Sealed_names_read_as_text_and_a_shredded_one_as_erased_under_retention()
    {
        var school = await SchoolWithHistoryAsync();
        var teacher = school.People[Role.Teacher];
        var vault = app.Services.GetRequiredService<PersonalDataVault>();
        Assert.True(await vault.ShredAsync(school.Urn, teacher, "system:test"));

        var zip = await PackFiles.BuildAsync(app, school.Urn);
        Assert.True(PackFiles.Verify(zip, key).Intact);
        var readable = PackFiles.Read(zip).EventLines.Select(l => JsonNode.Parse(l)!["readable"]).Where(r => r is not null).Select(r => r!.ToJsonString()).ToList();
        Assert.NotEmpty(readable);
        Assert.Contains(readable, r => r.Contains(PackLedger.Erased));
        Assert.DoesNotContain(readable, r => r.Contains("pd1:"));
    }

    [Fact]
    public async Task The_cli_exports_a_pack_that_verify_pack_checks_offline_and_refuses_a_tampered_one()
    {
        var school = await SchoolWithHistoryAsync();
        var today = SchoolDay.Today(TimeProvider.System).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var output = Path.Combine(Path.GetTempPath(), $"pack-{Guid.NewGuid():N}.zip");
        files.Add(output);
        var environment = new Dictionary<string, string?> { ["Ledger__Signing__PrivateKeyPem"] = app.SigningKeyPem };
        (await LedgerRun.RunAsync(environment, "export", "--tenant", school.Urn, "--as-of", today, "--out", output, "--connection", app.AppConnectionString))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("Reading the ledger")
            .ShouldContain($"Wrote {output}: school URN {school.Urn}");

        var publicKey = TempFile(Encoding.ASCII.GetBytes(key.PublicKeyPem()), ".pem");
        (await LedgerRun.RunAsync("verify-pack", output, "--public-key", publicKey))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain($"{output}: OK")
            .ShouldContain($"school URN {school.Urn}");
        (await LedgerRun.RunAsync("verify-pack", output, "--strict")).ShouldExitWith(ExitCodes.UsageError).ShouldContain("--strict");

        var pack = PackFiles.Read(await File.ReadAllBytesAsync(output));
        pack[PackLedger.TreeHeadFile] = Encoding.UTF8.GetBytes(pack.Text(PackLedger.TreeHeadFile).Replace("\"treeSize\": ", "\"treeSize\": 1", StringComparison.Ordinal));
        (await LedgerRun.RunAsync("verify-pack", TempFile(pack.Zip()), "--public-key", publicKey))
            .ShouldExitWith(ExitCodes.ProblemsFound)
            .ShouldContain("FAILED")
            .ShouldContain("tree-head.json");
    }

    [Theory]
    [InlineData("--from", "2026-13-01", "--to", "2027-01-01", "--from: from must be a date written as year-month-day")]
    [InlineData("--from", "2026-10-01", "--to", "2026-09-01", "--to: to must be the same day as from or later")]
    [InlineData("--from", "2024-01-01", "--to", "2026-01-01", "--to: A pack covers at most 400 days")]
    [InlineData("--from", "2026-09-01", "--as-of", "2026-10-01", "--as-of: Give either asOf")]
    public async Task The_cli_refuses_a_bad_period_in_words_and_writes_nothing(string o1, string v1, string o2, string v2, string expected)
    {
        var output = Path.Combine(Path.GetTempPath(), $"pack-{Guid.NewGuid():N}.zip");
        (await LedgerRun.RunAsync("export", "--tenant", "100001", o1, v1, o2, v2, "--out", output, "--connection", app.AppConnectionString))
            .ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain(expected);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task The_cli_refuses_an_unknown_school()
    {
        var output = Path.Combine(Path.GetTempPath(), $"pack-{Guid.NewGuid():N}.zip");
        (await LedgerRun.RunAsync("export", "--tenant", "999998", "--as-of", "2026-01-01", "--out", output, "--connection", app.AppConnectionString))
            .ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain("--tenant: there is no school with URN 999998");
        Assert.False(File.Exists(output));
    }
}
