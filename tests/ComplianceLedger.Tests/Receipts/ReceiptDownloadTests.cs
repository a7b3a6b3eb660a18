using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ComplianceLedger.Api.People;
using ComplianceLedger.Cli;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.UseCases;
using Npgsql;

namespace ComplianceLedger.Tests.Receipts;

/// <summary>
/// A teacher's receipt for their acknowledgement: downloaded from the API, checked offline by
/// <c>ledger verify-receipt</c> with the school's key, refused to anyone else, and failing,
/// with the reason, when any part of it is altered.
/// </summary>
public sealed class ReceiptDownloadTests(LedgerApp app) : IClassFixture<LedgerApp>, IDisposable
{
    readonly List<string> files = [];

    public void Dispose() => files.ForEach(File.Delete);

    string TempFile(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"receipt-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        files.Add(path);
        return path;
    }

    string PublicKeyFile()
    {
        using var key = SigningKey.FromPem(app.SigningKeyPem);
        return TempFile(key.PublicKeyPem());
    }

    /// <summary>The teacher's acknowledgement, recorded through the API, and its event id.</summary>
    async Task<(TestSchool School, HttpClient Teacher, Guid EventId)> AcknowledgedAsync()
    {
        var school = (await UseCase.FreshSchoolAsync(app, PeopleAndPolicyContractTests.WithPolicy)).School;
        var teacher = await school.As(Role.Teacher);
        var ack = await teacher.PostAsJsonAsync($"/api/schools/{school.Urn}/policies/social-media/acknowledgements",
            new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha });
        Assert.Equal(HttpStatusCode.Created, ack.StatusCode);
        await using var command = app.AppDataSource.CreateCommand(
            "SELECT event_id FROM ledger.events WHERE tenant = $1 AND event_type = 'policy.acknowledged.v1' ORDER BY chain_position DESC LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = school.Urn });
        return (school, teacher, (Guid)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_teachers_receipt_verifies_offline_with_the_schools_key()
    {
        var (school, teacher, eventId) = await AcknowledgedAsync();

        var response = await teacher.GetAsync($"/api/schools/{school.Urn}/receipts/{eventId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith($"receipt-{school.Urn}-", response.Content.Headers.ContentDisposition?.FileName, StringComparison.Ordinal);
        var file = TempFile(await response.Content.ReadAsStringAsync());

        (await LedgerRun.RunAsync("verify-receipt", file, "--public-key", PublicKeyFile()))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain($"event policy.acknowledged.v1 at position")
            .ShouldContain($"of school URN {school.Urn}")
            .ShouldContain(": OK")
            .ShouldNotContain("warning");
    }

    [Fact]
    public async Task After_more_is_recorded_the_ledger_is_proved_to_have_grown_from_the_receipts_tree_head()
    {
        var (school, teacher, eventId) = await AcknowledgedAsync();
        var file = TempFile(await teacher.GetStringAsync($"/api/schools/{school.Urn}/receipts/{eventId}"));
        var office = await school.As(Role.Office);
        Assert.Equal(HttpStatusCode.Created, (await office.PostAsync($"/api/schools/{school.Urn}/people", new StringContent(
            """{"name":"Mr Later Joiner","roles":["teacher"],"startedOn":"2026-09-01"}""", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await office.PostAsync($"/api/schools/{school.Urn}/checkpoints", null)).StatusCode);

        (await LedgerRun.RunAsync("verify", "--tenant", school.Urn, "--checkpoints", file, "--public-key", PublicKeyFile(),
                "--connection", app.AppConnectionString))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("grew only from the digest of")
            .ShouldContain(") verified");
    }

    [Fact]
    public async Task Someone_elses_receipt_is_not_found_and_a_malformed_id_is_a_400_in_words()
    {
        var (school, _, eventId) = await AcknowledgedAsync();
        var office = await school.As(Role.Office);

        var other = await office.GetAsync($"/api/schools/{school.Urn}/receipts/{eventId}");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Contains("A receipt is for an entry of your own", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var malformed = await office.GetAsync($"/api/schools/{school.Urn}/receipts/not-an-id");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("eventId must be the event's id", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Alterations => new()
    {
        { "event.data", "its hash is not the hash of its fields" },
        { "event.recordedAt", "its hash is not the hash of its fields" },
        { "proof.hashes", "the inclusion proof does not lead" },
        { "proof.leafIndex", "the proof is not for this event" },
        { "treeHead.root", "the tree head's signature does not verify" },
        { "treeHead.signature", "the tree head's signature does not verify" },
    };

    [Theory, MemberData(nameof(Alterations))]
    public async Task An_altered_receipt_fails_and_says_what_failed(string part, string expected)
    {
        var (school, teacher, eventId) = await AcknowledgedAsync();
        var receipt = JsonNode.Parse(await teacher.GetStringAsync($"/api/schools/{school.Urn}/receipts/{eventId}"))!;
        var (section, field) = (part.Split('.')[0], part.Split('.')[1]);
        var node = receipt[section]!;
        switch (field)
        {
            case "data":
                node["data"] = node["data"]!.GetValue<string>().Replace("\"1\"", "\"2\"", StringComparison.Ordinal);
                break;
            case "recordedAt":
                node["recordedAt"] = DateTimeOffset.Parse(node["recordedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).AddSeconds(1);
                break;
            case "hashes":
                var hashes = node["hashes"]!.AsArray();
                hashes[0] = new string('0', 64);
                break;
            case "leafIndex":
                node["leafIndex"] = node["leafIndex"]!.GetValue<long>() - 1;
                break;
            default:
                var hex = node[field]!.GetValue<string>();
                node[field] = (hex[0] == '0' ? "1" : "0") + hex[1..];
                break;
        }

        (await LedgerRun.RunAsync("verify-receipt", TempFile(receipt.ToJsonString()), "--public-key", PublicKeyFile()))
            .ShouldExitWith(ExitCodes.ProblemsFound)
            .ShouldContain("FAILED")
            .ShouldContain(expected);
    }

    [Fact]
    public async Task Without_a_key_the_receipts_own_is_used_and_said_so_and_strict_refuses_it()
    {
        var (school, teacher, eventId) = await AcknowledgedAsync();
        var file = TempFile(await teacher.GetStringAsync($"/api/schools/{school.Urn}/receipts/{eventId}"));

        (await LedgerRun.RunAsync("verify-receipt", file))
            .ShouldExitWith(ExitCodes.Success)
            .ShouldContain("warning: no public key given, so trusting the one inside the receipt");
        (await LedgerRun.RunAsync("verify-receipt", file, "--strict")).ShouldExitWith(ExitCodes.UsageError);
        (await LedgerRun.RunAsync("verify-receipt", TempFile("{\"not\":\"a receipt\"}"))).ShouldExitWith(ExitCodes.UsageError)
            .ShouldContain("This is not a receipt");
    }
}
