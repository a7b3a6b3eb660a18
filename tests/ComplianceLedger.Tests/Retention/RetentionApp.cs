using System.Net;
using System.Net.Http.Json;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Retention;
using ComplianceLedger.Tests.Fixtures;
using ComplianceLedger.Tests.Scheduling;
using ComplianceLedger.Tests.UseCases;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComplianceLedger.Tests.Retention;

/// <summary>
/// The app on a clock that can jump (as the scheduled-work tests run), with one trust that keeps a
/// leaver's records 3 years rather than 6 (<see cref="OverrideTrust"/>).
/// </summary>
public sealed class RetentionApp : ScheduledWorkApp
{
    public const string OverrideTrust = "trust-short";
    public const string OverrideReason = "Trust board minute 14, 3 March 2026";

    protected override void ConfigureWebHost(IWebHostBuilder web)
    {
        base.ConfigureWebHost(web);
        web.UseSetting($"Ledger:Retention:Trusts:{OverrideTrust}:leaver:Years", "3");
        web.UseSetting($"Ledger:Retention:Trusts:{OverrideTrust}:leaver:Source", OverrideReason);
    }

    public RetentionSweep Sweep => Services.GetRequiredService<RetentionSweep>();

    static int next = 863000;

    /// <summary>
    /// A school of <paramref name="trust"/> with a head, an office and two teachers who started in 2012
    /// and acknowledged the social media policy: the leaver, who left on <paramref name="leftOn"/>, and
    /// one still at the school.
    /// </summary>
    public async Task<RetentionSchool> SchoolAsync(string trust, DateOnly leftOn)
    {
        var urn = Interlocked.Increment(ref next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Setup.RegisterAsync(urn, $"Test School {urn}", trust, "Test Trust", ["test.sch.uk"], "TST", "system:test");
        var started = new DateOnly(2012, 9, 1);
        var head = await Setup.EnrolAsync(urn, $"Head of {urn}", [Role.Headteacher], started, "system:test");
        var office = await Setup.EnrolAsync(urn, $"Office of {urn}", [Role.Office], started, "system:test");
        var leaver = await Setup.EnrolAsync(urn, $"Leaver of {urn}", [Role.Teacher], started, "system:test", $"leaver.{urn}@test.sch.uk");
        var current = await Setup.EnrolAsync(urn, $"Current of {urn}", [Role.Teacher], started, "system:test");
        var school = new TestSchool(this, urn, new Dictionary<Role, Guid> { [Role.Headteacher] = head, [Role.Office] = office, [Role.Teacher] = leaver });
        await PeopleAndPolicyContractTests.WithPolicy(school);
        foreach (var person in new[] { leaver, current })
        {
            var ack = await (await ClientFor(urn, person)).PostAsJsonAsync($"/api/schools/{urn}/policies/social-media/acknowledgements",
                new { versionLabel = "1", documentSha256 = PeopleAndPolicyContractTests.Sha });
            Assert.Equal(HttpStatusCode.Created, ack.StatusCode);
        }
        // The leaver's receipt for their acknowledgement, issued while they were at the school.
        string receipt;
        await using (var command = AdminDataSource.CreateCommand(
            "SELECT event_id FROM ledger.events WHERE tenant = $1 AND event_type = 'policy.acknowledged.v1' AND actor = $2"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"person:{leaver:D}" });
            var eventId = (Guid)(await command.ExecuteScalarAsync())!;
            var response = await (await ClientFor(urn, leaver)).GetAsync($"/api/schools/{urn}/receipts/{eventId}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            receipt = await response.Content.ReadAsStringAsync();
        }
        var left = await (await ClientFor(urn, office)).PostAsJsonAsync($"/api/schools/{urn}/people/{leaver}/leaving",
            new { leftOn = leftOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(HttpStatusCode.OK, left.StatusCode);
        return new RetentionSchool(urn, trust, head, office, leaver, current, receipt);
    }

    /// <summary>The school's <c>personal-data.erased.v1</c> events, as stored.</summary>
    public async Task<List<(string Actor, string Stream, System.Text.Json.JsonElement Data)>> ErasuresAsync(string urn)
    {
        await using var command = AdminDataSource.CreateCommand(
            "SELECT actor, stream_id, data::text FROM ledger.events WHERE tenant = $1 AND event_type = 'personal-data.erased.v1' ORDER BY chain_position");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        var found = new List<(string, string, System.Text.Json.JsonElement)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add((reader.GetString(0), reader.GetString(1), System.Text.Json.JsonDocument.Parse(reader.GetString(2)).RootElement.Clone()));
        }
        return found;
    }

    /// <summary>The key's row: whether it lives, when and by what it was shredded.</summary>
    public async Task<(bool Live, DateTimeOffset? ShreddedAt, string? ShreddedBy)> KeyAsync(string urn, Guid subject)
    {
        await using var command = AdminDataSource.CreateCommand("SELECT key IS NOT NULL, shredded_at, shredded_by FROM ledger.subject_keys WHERE tenant = $1 AND subject_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = urn });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = subject });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the subject has no key");
        return (reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }
}

/// <param name="LeaverReceipt">The receipt of the leaver's acknowledgement, downloaded before they left.</param>
public sealed record RetentionSchool(string Urn, string Trust, Guid Head, Guid Office, Guid Leaver, Guid Current, string LeaverReceipt);
