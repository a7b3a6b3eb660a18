using System.Text.Json;
using ComplianceLedger.Api.Compliance;
using ComplianceLedger.Api.Demo;
using ComplianceLedger.Api.Trusts;
using ComplianceLedger.EventStore.Verification;
using ComplianceLedger.Tests.Cli;
using ComplianceLedger.Tests.Fixtures;

namespace ComplianceLedger.Tests.Demo;

public sealed class DemoSeedTests(DemoLedger db) : IClassFixture<DemoLedger>
{
    // The school's day (Europe/London), as the app judges it.
    static DateOnly Today => ComplianceLedger.EventStore.SchoolDay.Today(TimeProvider.System);

    [Fact]
    public async Task Seed_demo_writes_a_trust_of_ten_schools_whose_ledgers_verify()
    {
        db.Seeding.ShouldExitWith(0);
        var verifier = new LedgerVerifier(db.AppDataSource);
        var tenants = await verifier.TenantsAsync();
        Assert.Equal(DemoSchool.TrustSchools.Select(s => s.Urn).Order(), tenants.Select(t => t.Tenant).Order());
        foreach (var (tenant, _) in tenants)
        {
            // The seeding signs checkpoints along the history (with a key of its own, as none is configured here).
            Assert.Empty((await verifier.VerifyTenantAsync(tenant, await verifier.RecordedKeysAsync())).Problems);
        }
    }

    [Fact]
    public async Task Seed_demo_records_each_schools_history_in_time_order_from_before_the_school_year_with_checkpoints_along_it()
    {
        var start = new DateOnly(DemoSchool.SchoolYear(Today), 9, 1);
        foreach (var (urn, _, _) in DemoSchool.TrustSchools)
        {
            await using var command = db.AdminDataSource.CreateCommand("""
                SELECT bool_and(ordered), min(recorded_at), max(recorded_at),
                       (SELECT count(*) FROM ledger.checkpoints c WHERE c.tenant = $1),
                       (SELECT min(issued_at) FROM ledger.checkpoints c WHERE c.tenant = $1)
                  FROM (SELECT recorded_at, recorded_at >= lag(recorded_at, 1, '-infinity') OVER (ORDER BY chain_position) AS ordered
                          FROM ledger.events WHERE tenant = $1) e
                """);
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = urn });
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.True(reader.GetBoolean(0), $"{urn}: recorded_at follows the chain");
            Assert.True(DateOnly.FromDateTime(reader.GetDateTime(1)) < start, $"{urn}: the history begins before the school year, {reader.GetDateTime(1):O}");
            // The demo school's story runs to today (this term's leavers, last week's declarations); the others' ends in September.
            Assert.True(reader.GetDateTime(2) <= DateTime.UtcNow && (urn != DemoSchool.Urn || reader.GetDateTime(2) > DateTime.UtcNow.AddDays(-3)),
                $"{urn}: the history ends by today, {reader.GetDateTime(2):O}");
            Assert.True(reader.GetInt64(3) >= 4, $"{urn}: a checkpoint at the end of each month with events, {reader.GetInt64(3)}");
            Assert.True(DateOnly.FromDateTime(reader.GetDateTime(4)) < start, $"{urn}: checkpoints issued as the history is written");
        }
        (await LedgerRun.RunAsync("verify", "--connection", db.AppConnectionString)).ShouldExitWith(0);
    }

    [Fact]
    public async Task Seeding_again_changes_nothing()
    {
        var before = await db.CountEventsAsync();
        (await LedgerRun.RunAsync(new Dictionary<string, string?>(), "seed-demo", "--connection", db.AppConnectionString))
            .ShouldExitWith(0).ShouldContain("already");
        Assert.Equal(before, await db.CountEventsAsync());
    }

    [Fact]
    public async Task The_demo_school_has_about_120_people_three_policies_and_one_in_three_versions()
    {
        var ledger = await RawLedger.ReadAsync(db, DemoSchool.Urn);
        Assert.InRange(ledger.People.Count, 110, 130);
        Assert.Equal(3, ledger.Policies.Count);
        Assert.Equal(3, ledger.Policies["social-media"].Count);
    }

    /// <summary>
    /// The dashboard's figures recomputed from the raw events with nothing but this test's
    /// own reading of DOMAIN.md's acknowledgement rule, then compared with the read model.
    /// </summary>
    [Fact]
    public async Task The_demo_dashboard_matches_an_independent_computation_from_the_raw_events()
    {
        var ledger = await RawLedger.ReadAsync(db, DemoSchool.Urn);
        var expected = ledger.AcknowledgementStatuses(Today);
        var active = ledger.AcknowledgementStatuses(Today, activeOnly: true);

        var summary = await SchoolCompliance.SummariseAsync(db.AppDataSource, DemoSchool.Urn, Today, CancellationToken.None);

        var acknowledgement = Assert.Single(summary.Rules, r => r.Rule == "acknowledgement");
        Assert.Equal(Count(expected, "ok"), acknowledgement.Ok);
        Assert.Equal(Count(expected, "due"), acknowledgement.Due);
        Assert.Equal(Count(expected, "overdue"), acknowledgement.Overdue);
        Assert.Equal(Count(expected, "attention"), acknowledgement.Attention);
        Assert.Equal(Count(expected, "on-leave"), acknowledgement.OnLeave);
        Assert.True(acknowledgement.Ok > 0 && acknowledgement.Overdue > 0 && acknowledgement.Due > 0 && acknowledgement.OnLeave > 0
            && acknowledgement.Attention > 0, $"the demo shows every kind of acknowledgement status: {acknowledgement}");

        foreach (var policy in summary.Coverage)
        {
            var mine = active.Where(e => e.Policy == policy.PolicyId).ToList();
            Assert.Equal(mine.Count, policy.Required);
            Assert.Equal(mine.Count(e => e.Status == "ok"), policy.Acknowledged);
            foreach (var role in policy.ByRole)
            {
                var inRole = mine.Where(e => e.Roles.Contains(role.Role)).ToList();
                Assert.True(inRole.Count == role.Required, $"{policy.PolicyId} {role.Role}: required {role.Required}, computed {inRole.Count}");
                Assert.Equal(inRole.Count(e => e.Status == "ok"), role.Acknowledged);
            }
        }
        Assert.Equal(expected.Select(e => e.Policy).Distinct().Order(), summary.Coverage.Select(c => c.PolicyId).Order());
    }

    [Fact]
    public async Task The_trust_dashboard_adds_up_its_schools()
    {
        var trust = await TrustCompliance.SummariseAsync(db.AppDataSource, DemoSchool.TrustId, Today, CancellationToken.None);
        Assert.Equal(DemoSchool.TrustSchools.Length, trust.Schools);

        var required = 0;
        var done = 0;
        foreach (var (urn, _, _) in DemoSchool.TrustSchools)
        {
            var statuses = (await RawLedger.ReadAsync(db, urn)).AcknowledgementStatuses(Today, activeOnly: true);
            var line = Assert.Single(trust.SchoolLines, l => l.Urn == urn);
            Assert.Equal(statuses.Count, line.Required);
            Assert.Equal(statuses.Count(s => s.Status == "ok"), line.Acknowledged);
            required += statuses.Count;
            done += statuses.Count(s => s.Status == "ok");
        }
        Assert.Equal(required, trust.Required);
        Assert.Equal(done, trust.Acknowledged);
    }

    static int Count(IEnumerable<RawLedger.Verdict> statuses, string status) => statuses.Count(s => s.Status == status);
}

/// <summary>A school's ledger read straight from ledger.events, interpreted by this test alone.</summary>
sealed class RawLedger
{
    /// <summary>Roles and leave are dated: each holds from its date, whenever it was recorded.</summary>
    public sealed record PersonRecord(List<(DateOnly From, HashSet<string> Roles)> Roles, DateOnly Started, DateOnly? Left, List<(DateOnly From, DateOnly? Until)> Leaves);

    public sealed record VersionRecord(string Label, DateOnly Effective, HashSet<string> Audiences, int Days);

    public sealed record Verdict(Guid Person, string Policy, string Status, string[] Roles);

    public Dictionary<Guid, PersonRecord> People { get; } = [];
    public Dictionary<string, List<VersionRecord>> Policies { get; } = [];
    readonly HashSet<string> retired = [];
    readonly Dictionary<(Guid, string, string), bool> declinedByVersion = [];

    public static async Task<RawLedger> ReadAsync(LedgerDatabase db, string tenant)
    {
        var ledger = new RawLedger();
        await using var command = db.AdminDataSource.CreateCommand(
            "SELECT event_type, data::text FROM ledger.events WHERE tenant = $1 ORDER BY chain_position");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = tenant });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            using var json = JsonDocument.Parse(reader.GetString(1));
            ledger.Apply(reader.GetString(0), json.RootElement);
        }
        return ledger;
    }

    static DateOnly Date(JsonElement e, string name) => DateOnly.Parse(e.GetProperty(name).GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    static HashSet<string> Strings(JsonElement e, string name) => [.. e.GetProperty(name).EnumerateArray().Select(x => x.GetString()!)];

    void Apply(string type, JsonElement d)
    {
        switch (type)
        {
            case "person.enrolled.v1":
                People[d.GetProperty("personId").GetGuid()] = new PersonRecord([(Date(d, "startedOn"), Strings(d, "roles"))], Date(d, "startedOn"), null, []);
                break;
            case "person.roles-changed.v1":
                Update(d, p => p with { Roles = [.. p.Roles.Where(r => r.From != Date(d, "effectiveOn")), (Date(d, "effectiveOn"), Strings(d, "roles"))] });
                break;
            case "person.leave-started.v1":
                Update(d, p => p with { Leaves = [.. p.Leaves, (Date(d, "from"), null)] });
                break;
            case "person.returned-from-leave.v1":
                Update(d, p => p with { Leaves = [.. p.Leaves.Select(l => l.Until is null ? (l.From, Date(d, "on")) : l)] });
                break;
            case "person.left.v1":
                Update(d, p => p with { Left = Date(d, "leftOn") });
                break;
            case "policy.version-published.v1":
                var policy = d.GetProperty("policyId").GetString()!;
                if (!Policies.TryGetValue(policy, out var versions))
                {
                    Policies[policy] = versions = [];
                }
                versions.Add(new VersionRecord(d.GetProperty("versionLabel").GetString()!, Date(d, "effectiveFrom"), Strings(d, "audiences"),
                    d.GetProperty("daysToAcknowledge").GetInt32()));
                retired.Remove(policy);
                break;
            case "policy.retired.v1":
                retired.Add(d.GetProperty("policyId").GetString()!);
                break;
            case "policy.acknowledged.v1":
            case "policy.acknowledgement-declined.v1":
                declinedByVersion[(d.GetProperty("personId").GetGuid(), d.GetProperty("policyId").GetString()!, d.GetProperty("versionLabel").GetString()!)] =
                    type == "policy.acknowledgement-declined.v1";
                break;
        }
    }

    void Update(JsonElement d, Func<PersonRecord, PersonRecord> change)
    {
        var id = d.GetProperty("personId").GetGuid();
        People[id] = change(People[id]);
    }

    /// <summary>
    /// DOMAIN.md: everyone active in an audience role acknowledges the current version within the
    /// days allowed. Active: started, not left, not on leave (the others are beside coverage, not in
    /// it: <paramref name="activeOnly"/> leaves them out).
    /// </summary>
    public List<Verdict> AcknowledgementStatuses(DateOnly today, bool activeOnly = false)
    {
        var statuses = new List<Verdict>();
        foreach (var (policy, versions) in Policies.Where(p => !retired.Contains(p.Key)))
        {
            var current = versions[^1];
            foreach (var (id, person) in People)
            {
                var spells = person.Roles.OrderBy(r => r.From).ToList();
                var roles = spells.LastOrDefault(r => r.From <= today).Roles ?? spells[0].Roles;
                if ((person.Left is { } left && left <= today) || !roles.Overlaps(current.Audiences))
                {
                    continue;
                }
                // The day they took on an audience role, without a break since.
                DateOnly? inRole = null;
                foreach (var spell in spells.Where(r => r.From <= today))
                {
                    inRole = spell.Roles.Overlaps(current.Audiences) ? inRole ?? spell.From : null;
                }
                string status;
                if (person.Started > today)
                {
                    status = "not-started";
                }
                else if (person.Leaves.Any(l => l.From <= today && (l.Until is null || l.Until > today)))
                {
                    status = "on-leave";
                }
                else if (declinedByVersion.TryGetValue((id, policy, current.Label), out var declined))
                {
                    status = declined ? "attention" : "ok";
                }
                else
                {
                    var returned = person.Leaves.Select(l => l.Until).Where(u => u <= today).Max() ?? DateOnly.MinValue;
                    var clock = new[] { current.Effective, person.Started, inRole ?? DateOnly.MinValue, returned }.Max();
                    status = today > clock.AddDays(current.Days) ? "overdue" : "due";
                }
                if (activeOnly && status is "not-started" or "on-leave")
                {
                    continue;
                }
                statuses.Add(new Verdict(id, policy, status, [.. roles]));
            }
        }
        return statuses;
    }
}
