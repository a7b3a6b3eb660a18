using System.Security.Cryptography;
using System.Text;
using ComplianceLedger.Api.Acknowledgements;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Policies;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.Checkpoints;
using ComplianceLedger.EventStore.PersonalData;
using ComplianceLedger.EventStore.Projections;
using Npgsql;

namespace ComplianceLedger.Api.Demo;

/// <summary>
/// The demo: Brookfield Primary Academy (about 120 people, three policies, one in three
/// versions) in the Northvale Learning Trust of ten schools. Everything goes through the same
/// decisions as the endpoints, so the demo ledger is one the app could have written. The
/// people and texts are invented; a fixed random seed makes every run the same.
/// Each school's history is replayed on a <see cref="DemoClock"/> from July two school years
/// back to today, so every event is recorded on the day it happened in the story (policies
/// published in summer, acknowledgements trickling in through September, exceptions and
/// accounts over the year) and a signed checkpoint closes every simulated month.
/// </summary>
public sealed class DemoSchool(
    NpgsqlDataSource dataSource, IEnumerable<IProjection> projections, TimeProvider time, IServiceProvider services)
{
    public const string Urn = "139001";
    public const string TrustId = "northvale";
    public const string TrustName = "Northvale Learning Trust";
    const string Operator = "system:seed-demo";

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

    IServiceProvider Services => services;

    NpgsqlDataSource DataSource => dataSource;

    /// <summary>
    /// The first year of the school year (from 1 September) holding <paramref name="today"/>:
    /// the demo's current policy version takes effect on its first day.
    /// </summary>
    public static int SchoolYear(DateOnly today) => today.Month >= 9 ? today.Year : today.Year - 1;

    /// <summary>Where the demo's history begins: 1 July two school years before today's.</summary>
    public static DateTimeOffset HistoryStart(DateOnly today) => new(SchoolYear(today) - 2, 7, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>True when the demo school is already in the ledger.</summary>
    public async Task<bool> ExistsAsync(CancellationToken ct) =>
        await services.GetRequiredService<LedgerStore>().GetStreamVersionAsync(Urn, School.StreamId, ct) is not null;

    /// <param name="key">Signs the checkpoints issued along the history.</param>
    public async Task SeedAsync(SigningKey key, Action<string>? progress = null, CancellationToken ct = default)
    {
        var random = new Random(20260901);
        var end = time.GetUtcNow();
        foreach (var (urn, name, size) in TrustSchools)
        {
            progress?.Invoke($"{name} ({urn})");
            // Each school's chain is its own, so each replays its own history on its own clock.
            var clock = new DemoClock(HistoryStart(SchoolDay.Of(end)), end);
            var history = new History(this, urn, clock, new LedgerStore(dataSource, clock, projections), new PersonalDataVault(dataSource, clock),
                new CheckpointIssuer(dataSource, key, clock), random);
            await clock.RunAsync(() => history.SeedSchoolAsync(name, size, urn == Urn, ct));
        }
    }

    /// <summary>One school's history, written on its simulated clock.</summary>
    sealed class History(DemoSchool demo, string urn, DemoClock clock, LedgerStore store, PersonalDataVault vault, CheckpointIssuer checkpoints, Random random)
    {
        readonly SchoolSetup setup = new(store, vault, clock, demo.Services.GetRequiredService<SignIn.SignInEmails>(), demo.DataSource);
        readonly HashSet<string> emails = new(StringComparer.Ordinal);
        string domain = "";
        readonly List<(string Key, Guid Id, Role[] Roles, DateOnly Started)> enrolled = [];
        readonly DateOnly today = SchoolDay.Of(clock.End);
        int Year => SchoolYear(today);
        DateOnly OnLeaveFrom => new(Year, 8, 1);

        public async Task SeedSchoolAsync(string name, int size, bool isDemo, CancellationToken ct)
        {
            domain = name.ToLowerInvariant().Replace(' ', '-') + ".sch.uk";
            await setup.RegisterAsync(urn, name, TrustId, TrustName, [domain], isDemo ? "BPA" : null, Operator, ct);

            var roster = Roster(size, isDemo, today);
            var named = roster.Select(r => (r.Key, r.Roles, r.Started,
                Name: $"{FirstNames[random.Next(FirstNames.Length)]} {Surnames[random.Next(Surnames.Length)]}")).ToList();
            // The leadership and board first, at the start: the policy and family scripts act as them.
            foreach (var p in named.Where(p => p.Started <= SchoolDay.Of(clock.GetUtcNow()).AddDays(14) || IsLeadership(p.Roles)))
            {
                await EnrolAsync(p.Key, p.Name, p.Roles, p.Started, isDemo, ct);
            }
            var later = named.Where(p => !enrolled.Any(e => e.Key == p.Key)).OrderBy(p => p.Started).ToList();

            var head = enrolled.First(p => p.Roles.Contains(Role.Headteacher)).Id;
            var chair = enrolled.First(p => p.Roles.Contains(Role.ChairOfGovernors)).Id;
            var office = enrolled.First(p => p.Roles.Contains(Role.Office)).Id;
            var headContext = new CommandContext(urn, $"person:{head:D}", head, clock.GetUtcNow(), null, null, null);
            Role[] everyone = [Role.Teacher, Role.SupportStaff, Role.Slt, Role.Headteacher, Role.Dsl, Role.Office, Role.Governor,
                Role.ChairOfGovernors, Role.Volunteer, Role.Supply, Role.Trainee, Role.Contractor];

            var scripts = new List<Func<Task>>
            {
                // Joiners are enrolled by the office a fortnight before they start.
                async () =>
                {
                    foreach (var p in later)
                    {
                        await clock.WaitUntilAsync(At(p.Started.AddDays(-14)));
                        await EnrolAsync(p.Key, p.Name, p.Roles, p.Started, isDemo, ct);
                    }
                },
                // Social media policy: three versions at the demo school, the current one from this school year's 1 September.
                // Each version is acknowledged while it is current: most people within days, a few never,
                // a few on paper through the office, one or two decline.
                async () =>
                {
                    var versions = isDemo ? new[] { ("1", Year - 2), ("2", Year - 1), ("3", Year) } : [("3", Year)];
                    foreach (var (label, year) in versions)
                    {
                        var effective = new DateOnly(year, 9, 1);
                        await clock.WaitUntilAsync(At(new DateOnly(year, 7, 10)));
                        await PublishAsync(headContext with { Now = clock.GetUtcNow() }, "social-media", "Social Media Policy", label, effective, 1,
                            chair, new DateOnly(year, 7, 9), everyone, 14, 365, ct);
                        await AcknowledgeAsync("social-media", effective, office, declines: label == "3", ct);
                    }
                },
                // The acceptable use agreement for those who run official accounts.
                async () =>
                {
                    await clock.WaitUntilAsync(At(new DateOnly(Year, 6, 20)));
                    await PublishAsync(headContext with { Now = clock.GetUtcNow() }, "official-accounts-aup", "Social Media Acceptable Use Agreement", "1",
                        new DateOnly(Year, 7, 1), 2, chair, new DateOnly(Year, 6, 18), [Role.Slt, Role.Office], 21, 180, ct);
                    await AcknowledgeAsync("official-accounts-aup", new DateOnly(Year, 7, 1), office, declines: false, ct);
                },
                // Online safety: published but not yet ratified by governors, and its review is overdue.
                async () =>
                {
                    await clock.WaitUntilAsync(At(new DateOnly(Year - 1, 9, 5)));
                    await PublishAsync(headContext with { Now = clock.GetUtcNow() }, "online-safety", "Online Safety Policy", $"{Year - 1}.1",
                        new DateOnly(Year - 1, 9, 1), 1, null, null, [Role.Teacher, Role.SupportStaff, Role.Dsl], 30, 365, ct);
                    await AcknowledgeAsync("online-safety", new DateOnly(Year - 1, 9, 1), office, declines: false, ct);
                },
                // Long-term leave from August, recorded before the summer break, and this term's leavers, recorded by the office.
                async () =>
                {
                    await clock.WaitUntilAsync(At(new DateOnly(Year, 7, 20)));
                    foreach (var (_, id, _, _) in enrolled.Where(p => p.Key.EndsWith("-on-leave", StringComparison.Ordinal)).ToList())
                    {
                        await AsOfficeAsync(office, id, (by, now, s) => RecordLeave.DecideStart(id, LeaveKind.Maternity, OnLeaveFrom, by, now, s), ct);
                    }
                    var leftOn = today.AddDays(-49);
                    await clock.WaitUntilAsync(At(leftOn.AddDays(2)));
                    foreach (var (_, id, _, _) in enrolled.Where(p => p.Key.EndsWith("-leaver", StringComparison.Ordinal)).ToList())
                    {
                        await AsOfficeAsync(office, id, (by, now, s) => RecordLeaving.Decide(id, leftOn, by, now, s), ct);
                    }
                },
                // A signed checkpoint at the end of every month, as the running app would have issued them.
                async () =>
                {
                    var month = new DateTimeOffset(clock.GetUtcNow().Year, clock.GetUtcNow().Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
                    for (; month < clock.End; month = month.AddMonths(1))
                    {
                        await clock.WaitUntilAsync(month.AddMinutes(-1));
                        await checkpoints.IssueAsync(urn, ct);
                    }
                },
            };
            if (isDemo)
            {
                var family = new DemoServices(demo.Services, store, setup, clock);
                var frozen = new FrozenTime(clock.End);
                // The family seeders date their steps back from today; they start when their earliest step is due.
                // A teacher off sick for six weeks last autumn, back before Christmas.
                scripts.Add(async () =>
                {
                    await clock.WaitUntilAsync(At(new DateOnly(Year - 1, 11, 3), 8));
                    var (_, id, _, _) = enrolled.First(p => p.Key == "teacher-06");
                    await AsOfficeAsync(office, id, (by, now, s) => RecordLeave.DecideStart(id, LeaveKind.Sickness, SchoolDay.Of(now), by, now, s), ct);
                    await clock.WaitUntilAsync(At(new DateOnly(Year - 1, 12, 15), 8));
                    await AsOfficeAsync(office, id, (by, now, s) => RecordLeave.DecideReturn(id, SchoolDay.Of(now), by, now, s), ct);
                });
                scripts.Add(async () =>
                {
                    await clock.WaitUntilAsync(clock.End.AddDays(-DemoExceptions.DaysOfHistory - 1));
                    await DemoExceptions.SeedAsync(family, urn, demo.ByRole(), frozen, ct);
                });
                scripts.Add(async () =>
                {
                    await clock.WaitUntilAsync(clock.End.AddDays(-DemoAccounts.DaysOfHistory - 1));
                    await DemoAccounts.SeedAsync(family, urn, demo.ByRole(), frozen, ct);
                });
            }
            await clock.TogetherAsync(scripts);
            // And one at the end of the history, today.
            await checkpoints.IssueAsync(urn, ct);
        }

        /// <summary>first.last@ the school's domain; a second person of the same name gets first.last2@, and so on.</summary>
        string EmailFor(string name)
        {
            var local = name.ToLowerInvariant().Replace(' ', '.');
            var email = $"{local}@{domain}";
            for (var n = 2; !emails.Add(email); n++)
            {
                email = $"{local}{n}@{domain}";
            }
            return email;
        }

        static bool IsLeadership(Role[] roles) => roles.Any(r => r is Role.Headteacher or Role.ChairOfGovernors or Role.Office or Role.Dsl or Role.Slt);

        async Task EnrolAsync(string key, string name, Role[] roles, DateOnly started, bool isDemo, CancellationToken ct)
        {
            var id = await setup.EnrolAsync(urn, name, roles, started, Operator, EmailFor(name), ct);
            enrolled.Add((key, id, roles, started));
            if (isDemo)
            {
                demo.people[key] = id;
            }
        }

        async Task AsOfficeAsync(Guid office, Guid id, Func<string, DateTimeOffset, Person, IReadOnlyList<object>> decide, CancellationToken ct)
        {
            var context = new CommandContext(urn, $"person:{office:D}", office, clock.GetUtcNow(), null, null, null);
            await StreamHandler.HandleAsync(store, context, Person.StreamId(id), Person.Stream, s => decide(context.Actor, context.Now, s), ct);
        }

        /// <summary>
        /// From the version's effective date the audience acknowledges it, each on their own day:
        /// most within days, a few never, a few on paper through the office, and (where
        /// <paramref name="declines"/>) one or two decline.
        /// </summary>
        async Task AcknowledgeAsync(string policyId, DateOnly effective, Guid office, bool declines, CancellationToken ct)
        {
            await clock.WaitUntilAsync(At(effective, 7));
            var policy = await LoadPolicyAsync(policyId, ct);
            var current = policy.Current!;
            var label = current.Label;
            var sha = current.DocumentSha256;
            var planned = new List<(Guid Id, DateTimeOffset At, double Roll)>();
            foreach (var (key, id, roles, started) in enrolled.Where(p => p.Started <= effective.AddDays(300) && p.Roles.Any(current.Audiences.Contains)).ToList())
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
                planned.Add((id, At(day, 8 + random.Next(9)), roll));
            }
            foreach (var (id, at, roll) in planned.OrderBy(p => p.At))
            {
                await clock.WaitUntilAsync(at);
                var context = new CommandContext(urn, $"person:{id:D}", id, clock.GetUtcNow(), null, null, null);
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

        async Task<Policy> LoadPolicyAsync(string policyId, CancellationToken ct) =>
            (await StreamHandler.LoadAsync(store, urn, Policy.StreamId(policyId), Policy.Stream, ct)).State;

        /// <summary>That day at the hour (UTC), never later than the end of the history.</summary>
        DateTimeOffset At(DateOnly day, int hour = 9)
        {
            var at = new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero);
            return at < clock.End ? at : clock.End;
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
    static List<(string Key, Role[] Roles, DateOnly Started)> Roster(int size, bool isDemo, DateOnly today)
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
                // A few new starters three weeks ago, a couple of leavers and people on leave among the larger groups.
                var suffix = isDemo && role is Role.Teacher or Role.SupportStaff
                    ? i switch { 1 => "-leaver", 2 => "-on-leave", 3 or 4 => "-new", _ => "" }
                    : "";
                var started = suffix == "-new" ? today.AddDays(-20) : new DateOnly(2018 + i % 8, 9, 1);
                roster.Add(($"{key}-{i:00}{suffix}", [role], started));
            }
        }
        return roster;
    }

    /// <summary>Today, always: the family seeders count their days back from it.</summary>
    sealed class FrozenTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>The app's services, but with the store, school setup and clock of the history being written.</summary>
    sealed class DemoServices(IServiceProvider inner, LedgerStore store, SchoolSetup setup, DemoClock clock) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(LedgerStore) ? store
            : serviceType == typeof(SchoolSetup) ? setup
            : serviceType == typeof(DemoClock) ? clock
            : inner.GetService(serviceType);
    }
}
