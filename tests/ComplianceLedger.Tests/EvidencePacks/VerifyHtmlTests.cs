using System.Text;
using System.Text.Json.Nodes;
using ComplianceLedger.EventStore.Chain;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.Receipts;
using ComplianceLedger.Tests.Browser;
using ComplianceLedger.Tests.UseCases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ComplianceLedger.Tests.EvidencePacks;

/// <summary>
/// verify.html in Chromium, opened from disk as a person opens it from an unzipped pack: it checks
/// a real school's pack and receipts with WebCrypto and no network, says in words what it proved,
/// and names the file, line and position of every tampering, including those made by a forger who
/// re-hashes the manifest and re-signs it with the school's key.
/// </summary>
[Collection("browser")]
public sealed class VerifyHtmlTests(Chromium chromium, BrowserApp app, ITestOutputHelper output) : IDisposable
{
    static readonly SemaphoreSlim Once = new(1, 1);
    static TestPack? shared;

    readonly string folder = Directory.CreateTempSubdirectory("verify-html-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>One school's pack for the class, written by the app's builder, built once: a fresh school is slow.</summary>
    async Task<TestPack> PackAsync()
    {
        await Once.WaitAsync();
        try
        {
            if (shared is null)
            {
                var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
                shared = TestPack.FromZip(await PackFiles.BuildAsync(app, school.Urn));
            }
            return shared.Copy();
        }
        finally
        {
            Once.Release();
        }
    }

    /// <summary>verify.html from the pack, opened via file://, given <paramref name="choose"/>; the result region once it shows a panel.</summary>
    async Task<(IPage Page, ILocator Result)> CheckAsync(Func<string[]> choose, string? key = null)
    {
        var html = Path.Combine(folder, "verify.html");
        await File.WriteAllBytesAsync(html, TestPack.VerifyHtml());
        var page = await chromium.NewPageAsync(app);
        var network = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith("file://", StringComparison.Ordinal))
            {
                network.Add(request.Url);
            }
        };
        await page.GotoAsync(new Uri(html).AbsoluteUri);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Check an evidence pack or a receipt", Level = 1 })).ToBeVisibleAsync();
        if (key is not null)
        {
            await page.GetByLabel("The school's public key or key id (optional)").FillAsync(key);
        }
        await page.GetByLabel("The pack's .zip file, all of the unzipped pack's files, or a receipt (.json)").SetInputFilesAsync(choose());
        var result = page.GetByRole(AriaRole.Status);
        await Expect(result.Locator(".panel")).ToHaveCountAsync(1);
        Assert.Empty(network);
        Assert.Empty(Chromium.ErrorsOf(page));
        return (page, result);
    }

    Task<(IPage Page, ILocator Result)> CheckZipAsync(TestPack pack, string? key = null) =>
        CheckAsync(() => [pack.WriteZip(folder)], key);

    static async Task ShouldFailAsync(ILocator result, params string[] words)
    {
        await Expect(result.GetByRole(AriaRole.Heading, new() { Name = "This pack fails" })).ToBeVisibleAsync();
        foreach (var w in words)
        {
            await Expect(result.Locator(".failures")).ToContainTextAsync(w);
        }
    }

    static string N(long n) => n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_fresh_pack_is_intact_with_its_event_count_and_positions_and_the_own_key_warning()
    {
        var pack = await PackAsync();
        var (page, result) = await CheckZipAsync(pack);

        await Expect(result.GetByRole(AriaRole.Heading, new() { Name = "This pack is intact" })).ToBeVisibleAsync();
        var count = pack.Last - pack.First + 1;
        await Expect(result).ToContainTextAsync(
            $"All {N(count)} events from position {N(pack.First)} to {N(pack.Last)} are present, unaltered, and in the ledger signed on ");
        await Expect(result).ToContainTextAsync($"the {N(pack.InPeriod)} recorded from ");
        await Expect(result.Locator(".warning")).ToContainTextAsync("Compare the key id with the digest in your board minutes");
        await Expect(result).ToContainTextAsync(pack.KeyId);
        await Expect(page.Locator("progress")).ToHaveAttributeAsync("value", N(count).Replace(",", "", StringComparison.Ordinal));
        await Expect(page.Locator("#progress-text")).ToHaveTextAsync($"Checked {N(count)} of {N(count)} events");
    }

    [Fact]
    public async Task The_unzipped_files_verify_and_the_schools_key_given_is_trusted_with_no_warning()
    {
        var pack = await PackAsync();
        var pem = Encoding.UTF8.GetString(pack.Files["public-key.pem"]);
        var (_, result) = await CheckAsync(() => [.. pack.WriteFiles(Path.Combine(folder, "unzipped"))], pem);

        await Expect(result.GetByRole(AriaRole.Heading, new() { Name = "This pack is intact" })).ToBeVisibleAsync();
        await Expect(result).ToContainTextAsync("the key you gave");
        await Expect(result.Locator(".warning")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_key_that_is_not_the_packs_makes_it_fail_as_untrusted()
    {
        var pack = await PackAsync();
        using var other = SigningKey.Generate();
        var (_, result) = await CheckZipAsync(pack, other.PublicKeyPem());

        await ShouldFailAsync(result, $"Untrusted: the pack is signed by key {pack.KeyId}, which is not the key you gave ({other.KeyId})");

        var (_, byId) = await CheckZipAsync(pack, other.KeyId);
        await ShouldFailAsync(byId, "Untrusted");
    }

    [Fact]
    public async Task Flipping_a_byte_of_each_file_in_turn_fails_and_names_the_file()
    {
        var original = await PackAsync();
        Assert.Superset(new HashSet<string>(["events.jsonl", "tree-head.json", "manifest.json", "manifest.sig", "public-key.pem", "digest.txt",
            "report.pdf", "report.html", "audit-trail.csv", "verify.html"]), new HashSet<string>(original.Files.Keys));
        foreach (var file in original.Files.Keys)
        {
            var pack = original.Copy();
            var bytes = pack.Files[file];
            // A byte in the middle (for the key, inside its base64), changed to another printable one.
            var at = bytes.Length / 2;
            bytes[at] = (byte)(bytes[at] == (byte)'A' ? 'B' : 'A');
            var (_, result) = await CheckZipAsync(pack);

            await ShouldFailAsync(result, file);
        }
    }

    [Fact]
    public async Task A_pack_of_a_later_period_proves_its_slice_with_proofs_reaching_outside_it()
    {
        await PackAsync();
        // Positions 3 to the last, under a tree head over them all: the proofs' top hashes cover
        // events the pack does not hold.
        var pack = await TestPack.BuildAsync(app.AppDataSource, app.SigningKeyPem, shared!.Urn, fromPosition: 3);
        Assert.True(pack.First > 1);
        var (_, result) = await CheckZipAsync(pack);

        await Expect(result.GetByRole(AriaRole.Heading, new() { Name = "This pack is intact" })).ToBeVisibleAsync();
        await Expect(result).ToContainTextAsync($"All {N(pack.Last - pack.First + 1)} events from position {N(pack.First)} to {N(pack.Last)} are present");

        var lines = Encoding.UTF8.GetString(pack.Files["events.jsonl"]).TrimEnd('\n').Split('\n');
        var e = JsonNode.Parse(lines[0])!.AsObject();
        e["proof"]!.AsArray()[^1] = new string('0', 64);
        lines[0] = e.ToJsonString();
        pack.Files["events.jsonl"] = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        pack.Rehash(app.SigningKeyPem);
        var (_, failed) = await CheckZipAsync(pack);
        await ShouldFailAsync(failed, $"events.jsonl line 1 (position {N(pack.First)}): its inclusion proof does not lead to the tree head's root");
    }

    [Fact]
    public async Task Deleting_a_line_of_events_with_the_manifest_re_hashed_and_re_signed_fails_as_incomplete_naming_the_position()
    {
        var pack = await PackAsync();
        var lines = Encoding.UTF8.GetString(pack.Files["events.jsonl"]).Split('\n').ToList();
        var removed = pack.First + 2;
        lines.RemoveAt(2);
        pack.Files["events.jsonl"] = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        pack.Rehash(app.SigningKeyPem);
        var (_, result) = await CheckZipAsync(pack);

        await ShouldFailAsync(result, $"events.jsonl is incomplete: position {N(removed)} is missing (line 3 holds position {N(removed + 1)})");
        // Nothing else is wrong with the files: the forger's manifest and signature hold.
        await Expect(result.Locator(".failures")).Not.ToContainTextAsync("manifest.sig");
        await Expect(result.Locator(".failures")).Not.ToContainTextAsync("SHA-256");
    }

    [Fact]
    public async Task An_events_data_altered_with_its_hash_recomputed_fails_at_its_position()
    {
        var pack = await PackAsync();
        var lines = Encoding.UTF8.GetString(pack.Files["events.jsonl"]).TrimEnd('\n').Split('\n');
        var index = lines.Length / 2;
        var e = JsonNode.Parse(lines[index])!.AsObject();
        var data = JsonNode.Parse((string)e["data"]!)!.AsObject();
        data["forged"] = true;
        e["data"] = data.ToJsonString();
        var digest = ChainHash.Digest(new EventContent((string)e["tenant"]!, (string)e["streamId"]!, Guid.Parse((string)e["eventId"]!),
            (string)e["eventType"]!, (string)e["data"]!, (string)e["actor"]!, (string?)e["correlationId"], (string?)e["causationId"],
            (string?)e["commandId"], DateTimeOffset.Parse((string)e["recordedAt"]!, System.Globalization.CultureInfo.InvariantCulture)));
        var position = (long)e["chainPosition"]!;
        e["hash"] = Convert.ToHexStringLower(ChainHash.Link(Convert.FromHexString((string)e["previousHash"]!), position, (long)e["streamVersion"]!, digest));
        lines[index] = e.ToJsonString();
        pack.Files["events.jsonl"] = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        pack.Rehash(app.SigningKeyPem);
        var (_, result) = await CheckZipAsync(pack);

        await ShouldFailAsync(result,
            $"events.jsonl line {N(index + 1)} (position {N(position)}): its inclusion proof does not lead to the tree head's root",
            $"events.jsonl line {N(index + 2)} (position {N(position + 1)}): its previousHash is not the hash of the line before it");
        await Expect(result.Locator(".failures")).Not.ToContainTextAsync("its hash is not the hash of its fields");
    }

    [Fact]
    public async Task An_events_proof_with_one_wrong_hash_fails_at_its_position()
    {
        var pack = await PackAsync();
        var lines = Encoding.UTF8.GetString(pack.Files["events.jsonl"]).TrimEnd('\n').Split('\n');
        var e = JsonNode.Parse(lines[0])!.AsObject();
        var proof = e["proof"]!.AsArray();
        // The top of the path, the sibling the rebuilt nodes cover least.
        proof[^1] = new string('0', 64);
        lines[0] = e.ToJsonString();
        pack.Files["events.jsonl"] = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        pack.Rehash(app.SigningKeyPem);
        var (_, result) = await CheckZipAsync(pack);

        await ShouldFailAsync(result, $"events.jsonl line 1 (position {N(pack.First)}): its inclusion proof does not lead to the tree head's root");
    }

    [Fact]
    public async Task A_pack_of_50000_events_verifies_with_progress_in_reasonable_time()
    {
        var pack = TestPack.Synthetic(app.SigningKeyPem, "999050", 50_000);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (page, result) = await CheckZipAsync(pack);
        clock.Stop();

        await Expect(result.GetByRole(AriaRole.Heading, new() { Name = "This pack is intact" })).ToBeVisibleAsync();
        await Expect(result).ToContainTextAsync("All 50,000 events from position 1 to 50,000 are present, unaltered");
        await Expect(page.Locator("#progress-text")).ToHaveTextAsync("Checked 50,000 of 50,000 events");
        // Under the shared machine's load; alone it takes a few seconds (reported in the test's output).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"50,000 events took {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine($"verify.html checked 50,000 events in {await result.GetAttributeAsync("data-milliseconds")} ms ({clock.Elapsed.TotalSeconds:F1} s with writing the zip and loading the page)");
    }

    async Task<string> ReceiptAsync(Func<JsonObject, JsonObject>? alter = null)
    {
        var pack = await PackAsync();
        using var key = SigningKey.FromPem(app.SigningKeyPem);
        var receipt = await EventReceipt.BuildAsync(app.AppDataSource, app.Services.GetRequiredService<CheckpointIssuer>(), key, pack.Urn, pack.First + 1);
        var json = JsonNode.Parse(receipt!.ToJson())!.AsObject();
        var path = Path.Combine(folder, "receipt.json");
        await File.WriteAllTextAsync(path, (alter ?? (j => j))(json).ToJsonString());
        return path;
    }

    [Fact]
    public async Task A_receipt_verifies_and_a_tampered_one_fails()
    {
        var pack = await PackAsync();
        var good = await ReceiptAsync();
        var (_, result) = await CheckAsync(() => [good]);
        await Expect(result.GetByRole(AriaRole.Heading, new() { Name = "This receipt is intact" })).ToBeVisibleAsync();
        await Expect(result).ToContainTextAsync($"at position {N(pack.First + 1)} of school URN {pack.Urn}");

        var altered = await ReceiptAsync(j =>
        {
            j["event"]!["data"] = "{\"forged\":true}";
            return j;
        });
        var (_, failed) = await CheckAsync(() => [altered]);
        await Expect(failed.GetByRole(AriaRole.Heading, new() { Name = "This receipt fails" })).ToBeVisibleAsync();
        await Expect(failed.Locator(".failures")).ToContainTextAsync($"The event at position {N(pack.First + 1)}: its hash is not the hash of its fields");

        var resigned = await ReceiptAsync(j =>
        {
            j["treeHead"]!["root"] = new string('1', 64);
            return j;
        });
        var (_, failedHead) = await CheckAsync(() => [resigned]);
        await Expect(failedHead.Locator(".failures")).ToContainTextAsync("The tree head's signature does not verify");

        using var other = SigningKey.Generate();
        var (_, untrusted) = await CheckAsync(() => [good], other.PublicKeyPem());
        await Expect(untrusted.Locator(".failures")).ToContainTextAsync($"Untrusted: the receipt is signed by key {pack.KeyId}, which is not the key you gave ({other.KeyId})");
    }
}
