using ComplianceLedger.Api.Credentials;
using ComplianceLedger.Api.Ledger;
using ComplianceLedger.Api.OfficialAccounts;
using ComplianceLedger.Api.People;
using ComplianceLedger.Api.Schools;
using ComplianceLedger.EventStore;
using ComplianceLedger.EventStore.PersonalData;

namespace ComplianceLedger.Api.Demo;

/// <summary>
/// Demo official accounts for a seeded school: six accounts, one fully compliant and five each
/// falling short in a different way, made through the same decisions as the endpoints.
/// </summary>
public static class DemoAccounts
{
    /// <summary>The people <see cref="SeedAsync"/> needs, by key (the ledger's kebab-case role names).</summary>
    /// <summary>How far back the earliest step lies, in days before today.</summary>
    public const int DaysOfHistory = 201;

    public static readonly IReadOnlyList<string> RequiredPeople = ["headteacher", "slt", "dsl", "office", "teacher"];

    /// <summary>
    /// Seeds the accounts. Run after the school is registered (with its email domains and handle
    /// tag) and its people enrolled.
    /// </summary>
    /// <param name="services">The app's services: <see cref="LedgerStore"/>, <see cref="PersonalDataVault"/> and <see cref="SchoolSetup"/>.</param>
    /// <param name="urn">The demo school.</param>
    /// <param name="people">
    /// Current person ids by key: at least <see cref="RequiredPeople"/> (each holding that role).
    /// The account whose owner left gets its own owner, enrolled here and then recorded as leaving.
    /// </param>
    /// <param name="time">The demo's clock; dates are set relative to its today.</param>
    /// <returns>The six account ids: compliant, personal email, handle without tag, no custodian, used before approval, owner left without rotation.</returns>
    public static async Task<IReadOnlyList<Guid>> SeedAsync(
        IServiceProvider services, string urn, IReadOnlyDictionary<string, Guid> people, TimeProvider time, CancellationToken ct = default)
    {
        var missing = RequiredPeople.Where(k => !people.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"DemoAccounts needs people keyed {string.Join(", ", missing)}.");
        }
        var store = services.GetRequiredService<LedgerStore>();
        var vault = services.GetRequiredService<PersonalDataVault>();
        var setup = services.GetRequiredService<SchoolSetup>();
        var (head, slt, dsl, office, teacher) = (people["headteacher"], people["slt"], people["dsl"], people["office"], people["teacher"]);
        var today = SchoolDay.Today(time);
        var (school, _) = await StreamHandler.LoadAsync(store, urn, School.StreamId, School.Stream, ct);
        var domain = school.EmailDomains.Count > 0 ? school.EmailDomains[0] : "school.sch.uk";
        var tag = school.HandleTag ?? "";
        var clock = services.GetService<DemoClock>();

        // Each step runs as a person on a day in the past, so the register reads like a history.
        async Task<CommandResult> As<TState>(
            Guid person, int daysAgo, string streamId, StreamDefinition<TState> stream, Func<CommandContext, TState, IReadOnlyList<object>> decide)
        {
            var at = time.GetUtcNow().AddDays(-daysAgo);
            if (clock is not null)
            {
                // On a DemoClock the step waits for its day, so it is recorded then.
                await clock.WaitUntilAsync(at);
                at = clock.GetUtcNow();
            }
            var context = new CommandContext(urn, $"person:{person:D}", person, at, null, null, null);
            return await StreamHandler.HandleAsync(store, context, streamId, stream, s => decide(context, s), ct);
        }

        async Task<Guid> Register(int daysAgo, Platform platform, string handle, string purpose, string outcomes, Guid owner, string email)
        {
            var id = Guid.CreateVersion7(time.GetUtcNow());
            var (ownerState, _) = await StreamHandler.LoadAsync(store, urn, Person.StreamId(owner), Person.Stream, ct);
            var sealedEmail = await vault.SealAsync(urn, owner, email, ct);
            await As(slt, daysAgo, Account.StreamId(id), Account.Stream, (c, s) => RegisterAccount.Decide(new RegisterAccount.Command(
                id, platform, handle, $"https://www.{PlatformHost(platform)}/{handle.TrimStart('@')}", purpose, outcomes, owner, sealedEmail,
                AccountInput.EmailDomain(email), c.Actor, c.Now), school, ownerState, s));
            return id;
        }

        Task RiskAssess(Guid id, int daysAgo, string reference) =>
            As(slt, daysAgo, Account.StreamId(id), Account.Stream, (c, s) => RecordRiskAssessment.Decide(id, reference, c.Today, c.Actor, c.Now, s));

        Task Approve(Guid id, int daysAgo) =>
            As(head, daysAgo, Account.StreamId(id), Account.Stream, (c, s) => ApproveAccount.Decide(
                new ApproveAccount.Command(id, head, true, false, false, "Posts are read by a second colleague before publishing.", c.Actor, c.Now), s));

        Task GoLive(Guid id, int daysAgo, int firstUsedDaysAgo) =>
            As(slt, daysAgo, Account.StreamId(id), Account.Stream, (c, s) => RecordFirstUse.Decide(id, today.AddDays(-firstUsedDaysAgo), c.Actor, c.Now, s));

        Task CheckAup(Guid id, int daysAgo, bool linked) =>
            As(office, daysAgo, Account.StreamId(id), Account.Stream, (c, s) => RecordAupLinkCheck.Decide(id, c.Today, linked,
                linked ? $"https://www.{domain}/policies/acceptable-use" : null, c.Actor, c.Now, s));

        async Task Lodge(Guid id, int daysAgo, Guid custodian, string vaultReference)
        {
            var (account, _) = await StreamHandler.LoadAsync(store, urn, Account.StreamId(id), Account.Stream, ct);
            var (person, _) = await StreamHandler.LoadAsync(store, urn, Person.StreamId(custodian), Person.Stream, ct);
            var sealedReference = await VaultReference.SealAsync(vault, urn, vaultReference, ct);
            await As(head, daysAgo, Custody.StreamId(id), Custody.Stream, (c, s) => LodgeCredentials.Decide(
                new LodgeCredentials.Command(id, custodian, sealedReference, c.Actor, c.Now), account, person, s));
        }

        Guid compliant = default, personalEmail = default, untagged = default, noCustodian = default, usedEarly = default, ownerLeft = default;
        // Each account is its own script: on a DemoClock they run side by side in time, else one after another.
        List<Func<Task>> accounts =
        [
            async () =>
            {
                // 1. Fully compliant: a science channel pupils use, with every step in order.
                compliant = await Register(60, Platform.Youtube, $"@Science{tag}", "Science department videos of practicals and revision.",
                    "Pupils revisit practicals at home; parents see the science curriculum.", teacher, $"science@{domain}");
                await RiskAssess(compliant, 58, "RA-SOC-01");
                await Approve(compliant, 55);
                await As(slt, 54, Account.StreamId(compliant), Account.Stream, (c, s) => NotifyUrl.Decide(compliant, [slt, head],
                    new Dictionary<Guid, IReadOnlySet<Role>?> { [slt] = new HashSet<Role> { Role.Slt }, [head] = new HashSet<Role> { Role.Headteacher } },
                    c.Today, c.Actor, c.Now, s));
                await GoLive(compliant, 50, 50);
                await As(slt, 50, Account.StreamId(compliant), Account.Stream, (c, s) => GrantPupilAccess.Decide(compliant, c.Today, c.Actor, c.Now, s));
                await CheckAup(compliant, 50, linked: true);
                await Lodge(compliant, 50, head, "Vault entry Comms/YouTube Science");
                await Lodge(compliant, 50, slt, "Vault entry Comms/YouTube Science");
                // Changed on the half-term schedule, and the vault entry moved with it.
                var (youtube, _) = await StreamHandler.LoadAsync(store, urn, Account.StreamId(compliant), Account.Stream, ct);
                var renewedReference = await VaultReference.SealAsync(vault, urn, "Vault entry Comms/YouTube Science, renewed at half term", ct);
                await As(slt, 20, Custody.StreamId(compliant), Custody.Stream, (c, s) => RotateCredentials.Decide(compliant, RotationReason.Scheduled,
                    c.Today, renewedReference, c.Actor, c.Now, youtube, s));
            },
            async () =>
            {
                // 2. Registered with a member of staff's personal address.
                personalEmail = await Register(45, Platform.Instagram, $"@Sport{tag}", "Fixtures and results for school teams.",
                    "Families follow fixtures; team achievements are celebrated.", teacher, "pe.fixtures.coach@gmail.com");
                await RiskAssess(personalEmail, 44, "RA-SOC-02");
                await Approve(personalEmail, 43);
                await GoLive(personalEmail, 40, 40);
                await CheckAup(personalEmail, 40, linked: true);
                await Lodge(personalEmail, 40, slt, "Vault entry Comms/Instagram Sport");
            },
            async () =>
            {
                // 3. A handle without the school's tag (and no AUP link on its About page).
                untagged = await Register(45, Platform.X, "@ParentsNewsDesk", "Term-time news and reminders for parents.",
                    "Parents get reminders on the day; fewer missed deadlines.", slt, $"office@{domain}");
                await RiskAssess(untagged, 44, "RA-SOC-03");
                await Approve(untagged, 43);
                await GoLive(untagged, 40, 40);
                await CheckAup(untagged, 40, linked: false);
                await Lodge(untagged, 40, head, "Vault entry Comms/X News");
            },
            async () =>
            {
                // 4. In use, but nobody in leadership holds the login.
                noCustodian = await Register(30, Platform.Tiktok, $"@Drama{tag}", "Short clips from drama rehearsals and performances.",
                    "Wider audience for pupil performances, with consent.", teacher, $"drama@{domain}");
                await RiskAssess(noCustodian, 29, "RA-SOC-04");
                await Approve(noCustodian, 28);
                await GoLive(noCustodian, 25, 25);
                await CheckAup(noCustodian, 25, linked: true);
            },
            async () =>
            {
                // 5. An existing page brought onto the register: in use for months before the head approved it.
                usedEarly = await Register(10, Platform.Facebook, $"@Parents{tag}", "The school's page for parents and the community.",
                    "Community engagement; events reach families who do not read email.", slt, $"office@{domain}");
                await RiskAssess(usedEarly, 8, "RA-SOC-05");
                await Approve(usedEarly, 5);
                await GoLive(usedEarly, 5, 120);
                await CheckAup(usedEarly, 5, linked: true);
                await Lodge(usedEarly, 5, head, "Vault entry Comms/Facebook");
            },
            async () =>
            {
                // 6. The owner left a fortnight ago and the login was never changed.
                if (clock is not null)
                {
                    await clock.WaitUntilAsync(time.GetUtcNow().AddDays(-DaysOfHistory));
                }
                var leaver = await setup.EnrolAsync(urn, "Jordan Ellis", [Role.Teacher], today.AddYears(-3), $"person:{office:D}", ct);
                ownerLeft = await Register(200, Platform.ClassDojo, $"@Computing{tag}", "Class stories and homework for the computing club.",
                    "Club members share projects; parents see progress.", leaver, $"computing@{domain}");
                await RiskAssess(ownerLeft, 199, "RA-SOC-06");
                await Approve(ownerLeft, 198);
                await GoLive(ownerLeft, 190, 190);
                await CheckAup(ownerLeft, 190, linked: true);
                await Lodge(ownerLeft, 190, dsl, "Vault entry Comms/Class Dojo Computing");
                await As(office, 14, Person.StreamId(leaver), Person.Stream, (c, s) => RecordLeaving.Decide(leaver, c.Today, c.Actor, c.Now, s));
            },
        ];
        if (clock is not null)
        {
            await clock.TogetherAsync(accounts);
        }
        else
        {
            foreach (var account in accounts)
            {
                await account();
            }
        }

        return [compliant, personalEmail, untagged, noCustodian, usedEarly, ownerLeft];
    }

    static string PlatformHost(Platform platform) => platform switch
    {
        Platform.Facebook => "facebook.com",
        Platform.X => "x.com",
        Platform.Instagram => "instagram.com",
        Platform.Youtube => "youtube.com",
        Platform.ClassDojo => "classdojo.com",
        Platform.Tiktok => "tiktok.com",
        Platform.Linkedin => "linkedin.com",
        _ => "example.org",
    };
}
