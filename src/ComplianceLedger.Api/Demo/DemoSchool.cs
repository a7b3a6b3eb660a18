using System.Security.Cryptography;
using System.Text;
using ComplianceLedger.Api.Acknowledgements;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;

namespace ComplianceLedger.Api.Demo;

/// <summary>
/// The demo: Brookfield Primary Academy (about 120 people, three policies, one in three
/// versions) in the Northvale Learning Trust of ten schools. Everything goes through the same
/// decisions as the endpoints, so the demo ledger is one the app could have written. The
/// people and texts are invented; a fixed random seed makes every run the same.
/// </summary>
public sealed class DemoSchool(LedgerStore store, PersonalDataVault vault, SchoolSetup setup, TimeProvider time, IServiceProvider services)
{
    public const string Urn = "139001";
    public const string TrustId = "northvale";
    public const string TrustName = "Northvale Learning Trust";
    const string Operator = "system:seed-demo";
    static readonly DateOnly OnLeaveFrom = new(2026, 8, 1);

    public static readonly (string Urn, string Name, int People)[] TrustSchools =
    [
        (Urn, "Brookfield Primary Academy", 120),
        ("139002", "Ashdown Infant School", 28), ("139003", "Castle Lane Junior School", 34), ("139004", "Elmhurst Primary", 30),
        ("139005", "Fernside Academy", 42), ("139006", "Greenway Primary", 26), ("139007", "Hollybank School", 38),
        ("139008", "Kingsmead Primary", 31), ("139009", "Larchwood Academy", 29), ("139010", "Millbrook Special School", 36),
    ];

    static readonly string[] FirstNames =
    [
        "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Freya", "Arthur", "Ivy", "Leo", "Florence", "Oscar", "Willow", "Harry",
        "Rosie", "Jack", "Evie", "Theo", "Poppy", "Alfie", "Sophia", "Finley", "Grace", "Thomas", "Priya", "Kwame", "Aisha", "Tomasz",
        "Mei", "Dylan", "Niamh", "Rhys", "Siobhan", "Callum", "Hannah", "Yusuf", "Chloe", "Ewan", "Zara", "Samuel",
    ];

    static readonly string[] Surnames =
    [
        "Hart", "Reed", "Shah", "Cole", "Patel", "Okafor", "Nowak", "Evans", "Hughes", "Walsh", "Murphy", "Campbell", "Khan", "Ahmed",
        "Turner", "Price", "Bennett", "Lloyd", "Fraser", "Mensah", "Chen", "Davies", "Morgan", "Ellis", "Foster", "Gray", "Hussain",
        "Jenkins", "Kelly", "Lewis",
    ];

    /// <summary>The demo people, by a stable key (e.g. <c>headteacher</c>, <c>teacher-07</c>), for other seeders.</summary>
    public IReadOnlyDictionary<string, Guid> People => people;

    readonly Dictionary<string, Guid> people = [];

    /// <summary>True when the demo school is already in the ledger.</summary>
    public async Task<bool> ExistsAsync(CancellationToken ct) => await store.GetStreamVersionAsync(Urn, School.StreamId, ct) is not null;

    public async Task SeedAsync(Action<string>? progress = null, CancellationToken ct = default)
    {
        var random = new Random(20260901);
        foreach (var (urn, name, size) in TrustSchools)
        {
            progress?.Invoke($"{name} ({urn})");
            await SeedSchoolAsync(urn, name, size, random, urn == Urn, ct);
        }
    }

    async Task SeedSchoolAsync(string urn, string name, int size, Random random, bool isDemo, CancellationToken ct)
    {
        var domain = name.ToLowerInvariant().Replace(' ', '-') + ".sch.uk";
        await setup.RegisterAsync(urn, name, TrustId, TrustName, [domain], isDemo ? "BPA" : null, Operator, ct);

        var roster = Roster(size, isDemo);
        var enrolled = new List<(string Key, Guid Id, Role[] Roles, DateOnly Started)>();
        foreach (var (key, roles, started) in roster)
        {
            var fullName = $"{FirstNames[random.Next(FirstNames.Length)]} {Surnames[random.Next(Surnames.Length)]}";
            var id = await setup.EnrolAsync(urn, fullName, roles, started, Operator, ct);
            enrolled.Add((key, id, roles, started));
            if (isDemo)
            {
                people[key] = id;
            }
        }

        var head = enrolled.First(p => p.Roles.Contains(Role.Headteacher)).Id;
        var chair = enrolled.First(p => p.Roles.Contains(Role.ChairOfGovernors)).Id;
        var office = enrolled.First(p => p.Roles.Contains(Role.Office)).Id;
        var headContext = new CommandContext(urn, $"person:{head:D}", head, At(2025, 7, 1), null, null, null);

        // Social media policy: three versions at the demo school, the current one from 1 September 2026.
        // Each version is acknowledged while it is current: most people within days, a few never,
        // a few on paper through the office, one or two decline.
        var versions = isDemo ? new[] { ("1", 2024), ("2", 2025), ("3", 2026) } : [("3", 2026)];
        foreach (var (label, year) in versions)
        {
            var effective = new DateOnly(year, 9, 1);
            await PublishAsync(headContext with { Now = At(year, 7, 10) }, "social-media", "Social Media Policy", label, effective, 1,
                chair, new DateOnly(year, 7, 9), [Role.Teacher, Role.SupportStaff, Role.Slt, Role.Headteacher, Role.Dsl, Role.Office, Role.Governor,
                    Role.ChairOfGovernors, Role.Volunteer, Role.Supply, Role.Trainee, Role.Contractor], 14, 365, ct);
            await AcknowledgeAsync(urn, enrolled, "social-media", effective, office, random, declines: label == "3", ct);
        }
        // The acceptable use agreement for those who run official accounts.
        await PublishAsync(headContext with { Now = At(2026, 6, 20) }, "official-accounts-aup", "Social Media Acceptable Use Agreement", "1",
            new DateOnly(2026, 7, 1), 2, chair, new DateOnly(2026, 6, 18), [Role.Slt, Role.Office], 21, 180, ct);
        await AcknowledgeAsync(urn, enrolled, "official-accounts-aup", new DateOnly(2026, 7, 1), office, random, declines: false, ct);
        // Online safety: published but not yet ratified by governors, and its review is overdue.
        await PublishAsync(headContext with { Now = At(2025, 9, 5) }, "online-safety", "Online Safety Policy", "2025.1",
            new DateOnly(2025, 9, 1), 1, null, null, [Role.Teacher, Role.SupportStaff, Role.Dsl], 30, 365, ct);
        await AcknowledgeAsync(urn, enrolled, "online-safety", new DateOnly(2025, 9, 1), office, random, declines: false, ct);

        if (isDemo)
        {
            await DemoExceptions.SeedAsync(services, urn, ByRole(), time, ct);
            await DemoAccounts.SeedAsync(services, urn, ByRole(), time, ct);
        }

        // Leavers and long-term leave, recorded by the office.
        var officeNow = new CommandContext(urn, $"person:{office:D}", office, At(2026, 10, 20), null, null, null);
        foreach (var (key, id, _, _) in enrolled.Where(p => p.Key.EndsWith("-leaver", StringComparison.Ordinal)))
        {
            await StreamHandler.HandleAsync(store, officeNow, Person.StreamId(id), Person.Stream,
                s => RecordLeaving.Decide(id, new DateOnly(2026, 10, 18), officeNow.Actor, officeNow.Now, s), ct);
        }
        foreach (var (key, id, _, _) in enrolled.Where(p => p.Key.EndsWith("-on-leave", StringComparison.Ordinal)))
        {
            await StreamHandler.HandleAsync(store, officeNow, Person.StreamId(id), Person.Stream,
                s => RecordLeave.DecideStart(id, LeaveKind.Maternity, OnLeaveFrom, officeNow.Actor, officeNow.Now, s), ct);
        }
    }

    /// <summary>
    /// The audience acknowledges the policy's current version: most within days, a few never,
    /// a few on paper through the office, and (where <paramref name="declines"/>) one or two decline.
    /// </summary>
    async Task AcknowledgeAsync(
        string urn, List<(string Key, Guid Id, Role[] Roles, DateOnly Started)> enrolled, string policyId, DateOnly effective, Guid office,
        Random random, bool declines, CancellationToken ct)
    {
        var policy = await LoadPolicyAsync(urn, policyId, ct);
        var current = policy.Current!;
        var label = current.Label;
        var sha = current.DocumentSha256;
        foreach (var (key, id, roles, started) in enrolled.Where(p => p.Started <= effective.AddDays(300) && p.Roles.Any(current.Audiences.Contains)))
        {
            var roll = random.NextDouble();
            var missingRate = roles.Contains(Role.SupportStaff) ? 0.08 : roles.Contains(Role.Volunteer) || roles.Contains(Role.Supply) ? 0.2 : 0.04;
            // New starters are still within their days to acknowledge; those on leave since August were away when it came in.
            if (roll < missingRate || key.EndsWith("-new", StringComparison.Ordinal)
                || (key.EndsWith("-on-leave", StringComparison.Ordinal) && effective >= OnLeaveFrom))
            {
                continue;
            }
            var day = (started > effective ? started : effective).AddDays(random.Next(0, 12));
            var context = new CommandContext(urn, $"person:{id:D}", id, At(day.Year, day.Month, day.Day, 8 + random.Next(9)), null, null, null);
            var actor = context;
            Func<AcknowledgementRecord, IReadOnlyList<object>> decide;
            if (declines && roll > 0.985)
            {
                var reason = await vault.SealAsync(urn, id, "I do not agree with the restriction on personal accounts.", ct);
                decide = r => DeclineToAcknowledge.Decide(policyId, label, reason, id, context.Now, policy, r);
            }
            else if (roll > 0.93)
            {
                var (person, _) = await StreamHandler.LoadAsync(store, urn, Person.StreamId(id), Person.Stream, ct);
                actor = context with { Actor = $"person:{office:D}", PersonId = office };
                decide = r => RecordPaperAcknowledgement.Decide(policyId, label, sha, id, context.Now, actor.Actor, context.Now, person, policy, r);
            }
            else
            {
                decide = r => AcknowledgePolicy.Decide(policyId, label, sha, id, context.Now, policy, r);
            }
            await StreamHandler.HandleAsync(store, actor, AcknowledgementRecord.StreamId(id), AcknowledgementRecord.Stream, decide, ct);
        }
    }

    /// <summary>One demo person per role, by the role's ledger name, for the family seeders.</summary>
    Dictionary<string, Guid> ByRole() => new()
    {
        [Roles.Name(Role.Headteacher)] = people["headteacher"],
        [Roles.Name(Role.Dsl)] = people["dsl"],
        [Roles.Name(Role.Slt)] = people["slt-1"],
        [Roles.Name(Role.Office)] = people["office-1"],
        [Roles.Name(Role.ChairOfGovernors)] = people["chair"],
        [Roles.Name(Role.Governor)] = people["governor-01"],
        [Roles.Name(Role.Teacher)] = people["teacher-05"],
        [Roles.Name(Role.SupportStaff)] = people["support-05"],
        [Roles.Name(Role.Volunteer)] = people["volunteer-01"],
    };

    /// <summary>Who works at a school of the given size: a full leadership team and governing board, then staff and helpers.</summary>
    static List<(string Key, Role[] Roles, DateOnly Started)> Roster(int size, bool isDemo)
    {
        var longServing = new DateOnly(2019, 9, 1);
        var roster = new List<(string, Role[], DateOnly)>
        {
            ("headteacher", [Role.Headteacher], longServing),
            ("dsl", [Role.Dsl, Role.Slt], longServing),
            ("slt-1", [Role.Slt, Role.Teacher], longServing),
            ("office-1", [Role.Office], longServing),
            ("chair", [Role.ChairOfGovernors], longServing),
        };
        if (isDemo)
        {
            roster.Add(("trust-leader", [Role.TrustLeader], longServing));
            roster.Add(("slt-2", [Role.Slt, Role.Teacher], longServing));
            roster.Add(("office-2", [Role.Office], new DateOnly(2022, 1, 4)));
        }
        var governors = isDemo ? 9 : 5;
        for (var i = 1; i <= governors; i++)
        {
            roster.Add(($"governor-{i:00}", [Role.Governor], new DateOnly(2021 + i % 4, 9, 1)));
        }
        var rest = size - roster.Count;
        var mix = new (string Key, Role Role, double Share)[]
        {
            ("teacher", Role.Teacher, 0.36), ("support", Role.SupportStaff, 0.34), ("volunteer", Role.Volunteer, 0.12),
            ("supply", Role.Supply, 0.07), ("trainee", Role.Trainee, 0.06), ("contractor", Role.Contractor, 0.05),
        };
        var counts = mix.Select(m => (m.Key, m.Role, Count: (int)Math.Round(rest * m.Share))).ToList();
        counts[0] = (counts[0].Key, counts[0].Role, counts[0].Count + rest - counts.Sum(c => c.Count));
        foreach (var (key, role, count) in counts)
        {
            for (var i = 1; i <= count; i++)
            {
                // A few new starters this term, a couple of leavers and people on leave among the larger groups.
                var suffix = isDemo && role is Role.Teacher or Role.SupportStaff
                    ? i switch { 1 => "-leaver", 2 => "-on-leave", 3 or 4 => "-new", _ => "" }
                    : "";
                var started = suffix == "-new" ? new DateOnly(2026, 11, 16) : new DateOnly(2018 + i % 8, 9, 1);
                roster.Add(($"{key}-{i:00}{suffix}", [role], started));
            }
        }
        return roster;
    }

    async Task PublishAsync(
        CommandContext context, string policyId, string title, string label, DateOnly effectiveFrom, int cycleYears, Guid? chair, DateOnly? ratifiedOn,
        Role[] audiences, int days, int maxExceptionDays, CancellationToken ct)
    {
        var text = $"{title}, version {label}. Demo text written for ComplianceLedger; effective {effectiveFrom:yyyy-MM-dd}.";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        var command = new PublishPolicyVersion.Command(policyId, title, label, hash, effectiveFrom, cycleYears, "Full governing board", ratifiedOn, chair,
            chair is not null, audiences, days, maxExceptionDays, context.Actor, context.Now);
        await StreamHandler.HandleAsync(store, context, Policy.StreamId(policyId), Policy.Stream, s => PublishPolicyVersion.Decide(command, s), ct);
    }

    async Task<Policy> LoadPolicyAsync(string urn, string policyId, CancellationToken ct) =>
        (await StreamHandler.LoadAsync(store, urn, Policy.StreamId(policyId), Policy.Stream, ct)).State;

    DateTimeOffset At(int year, int month, int day, int hour = 9)
    {
        var at = new DateTimeOffset(year, month, day, hour, 0, 0, TimeSpan.Zero);
        var now = time.GetUtcNow();
        return at < now ? at : now;
    }
}
